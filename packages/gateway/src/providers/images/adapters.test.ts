import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.ts';
import type { ModelRoute } from '../../routing/model-route.ts';
import type { Provider } from '../types.ts';
import { bfl, bflBody, sizeForAspectRatio } from './bfl.ts';
import { geminiImages, generateContentBody, predictBody } from './gemini-images.ts';
import { openAiImages } from './openai-images.ts';
import { seedream, seedreamBody, seedreamSize } from './seedream.ts';
import type { ImageJob, VendorHttp } from './types.ts';

/** Vendor answers recorded from the vendors' documented shapes, replayed in order; every call kept. */
function replay(
  ...answers: unknown[]
): VendorHttp & { calls: { method: string; target: string; body?: unknown }[] } {
  const calls: { method: string; target: string; body?: unknown }[] = [];
  const next = () => {
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return {
    calls,
    postJson: async (path, body) => {
      calls.push({ method: 'POST', target: path, body });
      return next();
    },
    getJson: async (url) => {
      calls.push({ method: 'GET', target: url });
      return next();
    },
    sleep: async () => undefined,
  };
}

const route = (model: string, name = 'vendor'): ModelRoute => ({
  model,
  provider: { name, baseUrl: 'https://vendor.example/v1' } as Provider,
});
const job = (extra: Partial<ImageJob> = {}): ImageJob => ({
  prompt: 'a fox',
  n: 1,
  references: [],
  ...extra,
});
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe('OpenAI Images', () => {
  it('references switch gpt-image-2 to /images/edits with images[].image_url; no response_format', async () => {
    const http = replay({ created: 1, data: [{ b64_json: png.toString('base64') }] });
    const images = await openAiImages.generate({
      job: job({ size: { width: 1024, height: 1024 }, references: [{ url: 'https://example.com/a.png' }] }),
      route: route('gpt-image-2'),
      http,
    });
    expect(http.calls[0]).toEqual({
      method: 'POST',
      target: '/images/edits',
      body: {
        model: 'gpt-image-2',
        prompt: 'a fox',
        n: 1,
        size: '1024x1024',
        images: [{ image_url: 'https://example.com/a.png' }],
      },
    });
    expect(images).toEqual([{ bytes: png, mimeType: 'image/png' }]);
  });

  it('DALL·E models are asked for b64_json; a url answer is passed on to be copied', async () => {
    const http = replay({ created: 1, data: [{ url: 'https://oaidalle.example/x.png' }] });
    const images = await openAiImages.generate({ job: job(), route: route('dall-e-3'), http });
    expect(http.calls[0]).toMatchObject({
      target: '/images/generations',
      body: { response_format: 'b64_json' },
    });
    expect(images).toEqual([{ url: 'https://oaidalle.example/x.png' }]);
  });

  it('an answer without data is a 502', async () => {
    await expect(
      openAiImages.generate({ job: job(), route: route('gpt-image-1'), http: replay({}) }),
    ).rejects.toMatchObject({
      code: 'upstream_error',
    });
  });
});

describe('Gemini image output and Imagen', () => {
  it('generateContent: references as inlineData before the prompt, imageSize 512 for 0.5K', () => {
    const body = generateContentBody(
      job({
        aspectRatio: '16:9',
        resolution: '0.5K',
        references: [{ url: 'x', bytes: png, mimeType: 'image/png' }],
      }),
    );
    expect(body).toEqual({
      contents: [
        {
          role: 'user',
          parts: [{ inlineData: { mimeType: 'image/png', data: png.toString('base64') } }, { text: 'a fox' }],
        },
      ],
      generationConfig: {
        responseModalities: ['IMAGE'],
        imageConfig: { aspectRatio: '16:9', imageSize: '512' },
      },
    });
  });

  it('reads inlineData parts, and a safety finish without image is a non-retryable 400', async () => {
    const answer = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'here' },
              { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1290 },
    };
    const http = replay(answer, { candidates: [{ finishReason: 'IMAGE_SAFETY' }] });
    const images = await geminiImages.generate({
      job: job(),
      route: route('gemini-3.1-flash-image-preview'),
      http,
    });
    expect(http.calls[0]!.target).toBe('/models/gemini-3.1-flash-image-preview:generateContent');
    expect(images).toEqual([{ bytes: png, mimeType: 'image/png' }]);
    const refusal = await geminiImages
      .generate({ job: job(), route: route('gemini-3.1-flash-image-preview'), http })
      .catch((error: GatewayError) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).code).toBe('invalid_request');
    expect((refusal as GatewayError).retryable).toBe(false);
  });

  it('Imagen: :predict with sampleCount and aspectRatio, up to 4 per call', async () => {
    expect(geminiImages.imagesPerCall('imagen-4.0-fast-generate-001')).toBe(4);
    expect(geminiImages.imagesPerCall('gemini-2.5-flash-image')).toBe(1);
    expect(predictBody(job({ n: 3, aspectRatio: '9:16', resolution: '2K' }))).toEqual({
      instances: [{ prompt: 'a fox' }],
      parameters: { sampleCount: 3, aspectRatio: '9:16', sampleImageSize: '2K' },
    });
    const http = replay({
      predictions: [
        { bytesBase64Encoded: png.toString('base64'), mimeType: 'image/png' },
        { raiFilteredReason: 'filtered' },
      ],
    });
    const images = await geminiImages.generate({
      job: job({ n: 2 }),
      route: route('imagen-4.0-fast-generate-001'),
      http,
    });
    expect(http.calls[0]!.target).toBe('/models/imagen-4.0-fast-generate-001:predict');
    expect(images).toHaveLength(1);
  });
});

describe('BFL FLUX', () => {
  it('Kontext takes aspect_ratio, FLUX.2 width/height (multiples of 16); references as input_image, input_image_2', () => {
    expect(bflBody(job({ aspectRatio: '16:9' }), 'flux-kontext-pro')).toMatchObject({ aspect_ratio: '16:9' });
    const size = sizeForAspectRatio('16:9');
    expect(size.width % 16).toBe(0);
    expect(size.height % 16).toBe(0);
    expect(Math.abs(size.width * size.height - 1_048_576)).toBeLessThan(40_000);
    const body = bflBody(
      job({
        aspectRatio: '3:2',
        references: [
          { url: 'https://example.com/a.png' },
          { url: `data:image/png;base64,${png.toString('base64')}` },
        ],
      }),
      'flux-2-pro',
    );
    expect(body).toMatchObject({
      ...sizeForAspectRatio('3:2'),
      input_image: 'https://example.com/a.png',
      input_image_2: png.toString('base64'),
    });
    expect(body).not.toHaveProperty('aspect_ratio');
  });

  it('submits, polls the returned polling_url until Ready, and returns result.sample', async () => {
    const pollingUrl = 'https://api.eu2.bfl.ai/v1/get_result?id=task-1';
    const http = replay(
      { id: 'task-1', polling_url: pollingUrl, cost: 3 },
      { id: 'task-1', status: 'Pending', result: null, progress: 0.4 },
      { id: 'task-1', status: 'Ready', result: { sample: 'https://delivery-eu2.bfl.ai/x.png', seed: 7 } },
    );
    const images = await bfl.generate({ job: job(), route: route('flux-2-pro', 'bfl'), http });
    expect(http.calls.map((call) => `${call.method} ${call.target}`)).toEqual([
      'POST /flux-2-pro',
      `GET ${pollingUrl}`,
      `GET ${pollingUrl}`,
    ]);
    expect(images).toEqual([{ url: 'https://delivery-eu2.bfl.ai/x.png' }]);
  });

  it('moderation is the request’s 400 (no failover); Error is the upstream’s (failover)', async () => {
    const moderated = await bfl
      .generate({
        job: job(),
        route: route('flux-2-pro', 'bfl'),
        http: replay(
          { id: 't', polling_url: 'p' },
          { id: 't', status: 'Content Moderated', result: null, details: {} },
        ),
      })
      .catch((error: GatewayError) => error);
    expect(moderated).toMatchObject({ code: 'invalid_request', param: 'prompt' });
    const failed = await bfl
      .generate({
        job: job(),
        route: route('flux-2-pro', 'bfl'),
        http: replay({ id: 't', polling_url: 'p' }, { id: 't', status: 'Error', result: null }),
      })
      .catch((error: GatewayError) => error);
    expect((failed as GatewayError).retryable).toBe(true);
  });
});

describe('Seedream (Ark / ModelArk)', () => {
  it('size: explicit WxH, the 2K preset of the aspect ratio scaled to the tier, or the tier', () => {
    expect(seedreamSize(job({ size: { width: 1024, height: 768 } }))).toBe('1024x768');
    expect(seedreamSize(job({ aspectRatio: '16:9', resolution: '4K' }))).toBe('5120x2880');
    expect(seedreamSize(job({ aspectRatio: '1:1', resolution: '1K' }))).toBe('1024x1024');
    expect(seedreamSize(job({ resolution: '2K' }))).toBe('2K');
    expect(seedreamSize(job())).toBeUndefined();
  });

  it('sends one image per call with references in order, reads data[].url', async () => {
    const body = seedreamBody(
      job({ references: [{ url: 'https://example.com/a.png' }, { url: 'https://example.com/b.png' }] }),
      'seedream-4-0',
    );
    expect(body).toMatchObject({
      model: 'seedream-4-0',
      image: ['https://example.com/a.png', 'https://example.com/b.png'],
      sequential_image_generation: 'disabled',
      response_format: 'url',
    });
    const http = replay({
      model: 'seedream-4-0-250828',
      created: 1757321139,
      data: [{ url: 'https://ark-content.tos.example/x.jpeg?X-Tos-Expires=86400', size: '2048x2048' }],
      usage: { generated_images: 1, output_tokens: 16384, total_tokens: 16384 },
    });
    expect(await seedream.generate({ job: job(), route: route('seedream-4-0'), http })).toEqual([
      { url: 'https://ark-content.tos.example/x.jpeg?X-Tos-Expires=86400' },
    ]);
  });
});
