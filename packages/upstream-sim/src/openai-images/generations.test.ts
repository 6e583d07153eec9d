import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPngInfo } from '../images/png.ts';
import type { UpstreamSim } from '../server.ts';
import { postJson, startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient({ apiKeys: ['sk-good-key'] }, 'sk-good-key'));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

const png = (b64: string | undefined) => readPngInfo(Buffer.from(b64 ?? '', 'base64'));

describe('POST /v1/images/generations with the official SDK', () => {
  it('gpt-image-1 answers base64 PNGs of the asked size, with usage and the resolved settings', async () => {
    const result = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a lighthouse at dusk',
      size: '1024x1536',
      quality: 'high',
      n: 2,
    });
    expect(result.data).toHaveLength(2);
    for (const image of result.data ?? []) {
      expect(image.url).toBeUndefined();
      expect(png(image.b64_json)).toMatchObject({ width: 1024, height: 1536 });
    }
    expect(result.data?.[0]?.b64_json).not.toBe(result.data?.[1]?.b64_json);
    expect(result).toMatchObject({
      size: '1024x1536',
      quality: 'high',
      output_format: 'png',
      background: 'opaque',
    });
    expect(result.created).toBeGreaterThan(1_700_000_000);
    // 6240 output tokens per high-quality portrait image, per OpenAI's cost table.
    expect(result.usage?.output_tokens).toBe(2 * 6240);
    expect(result.usage?.input_tokens_details?.text_tokens).toBe(result.usage?.input_tokens);
    expect(result.usage?.total_tokens).toBe((result.usage?.input_tokens ?? 0) + 2 * 6240);
  });

  it('size auto is 1024x1024 at medium quality; the same prompt gives the same picture', async () => {
    const first = await client.images.generate({ model: 'gpt-image-1-mini', prompt: 'same', size: 'auto' });
    const second = await client.images.generate({ model: 'gpt-image-1-mini', prompt: 'same' });
    expect(png(first.data?.[0]?.b64_json)).toMatchObject({ width: 1024, height: 1024 });
    expect(first).toMatchObject({ size: '1024x1024', quality: 'medium' });
    expect(first.usage?.output_tokens).toBe(1056);
    expect(second.data?.[0]?.b64_json).toBe(first.data?.[0]?.b64_json);
  });

  it('gpt-image-2 takes flexible sizes within the documented limits', async () => {
    const wide = await client.images.generate({
      model: 'gpt-image-2',
      prompt: 'panorama',
      size: '2560x1440' as '1024x1024',
    });
    expect(png(wide.data?.[0]?.b64_json)).toMatchObject({ width: 2560, height: 1440 });
    const odd = await failure(
      client.images.generate({ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' as '1024x1024' }),
    );
    expect(odd.status).toBe(400);
    expect(odd.param).toBe('size');
    expect(odd.message).toContain('multiples of 16');
  });

  it('transparent backgrounds carry alpha', async () => {
    const result = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'sticker',
      background: 'transparent',
    });
    expect(result.background).toBe('transparent');
    expect(png(result.data?.[0]?.b64_json).transparency).toEqual([0]);
    const jpeg = await failure(
      client.images.generate({
        model: 'gpt-image-1',
        prompt: 'x',
        background: 'transparent',
        output_format: 'jpeg',
      }),
    );
    expect(jpeg.status).toBe(400);
  });

  it('dall-e-3 answers an expiring URL by default, with revised_prompt', async () => {
    const result = await client.images.generate({ model: 'dall-e-3', prompt: 'a cat', size: '1792x1024' });
    const image = result.data?.[0];
    expect(image?.b64_json).toBeUndefined();
    expect(image?.revised_prompt).toContain('a cat');
    expect(result.usage).toBeUndefined();
    const url = new URL(image?.url ?? '');
    expect(url.searchParams.get('se')).toMatch(/^\d{4}-\d\d-\d\dT/);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(readPngInfo(new Uint8Array(await fetched.arrayBuffer()))).toMatchObject({
      width: 1792,
      height: 1024,
    });

    url.searchParams.set('se', '2099-01-01T00:00:00Z');
    expect((await fetch(url)).status).toBe(403);
    expect(sim.expireImageUrls()).toBe(1);
    const expired = await fetch(image?.url ?? '');
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AuthenticationFailed</Code>');
  });

  it('dall-e-2 honours response_format b64_json', async () => {
    const result = await client.images.generate({
      model: 'dall-e-2',
      prompt: 'tiny',
      size: '256x256',
      response_format: 'b64_json',
    });
    expect(png(result.data?.[0]?.b64_json)).toMatchObject({ width: 256, height: 256 });
    expect(result.data?.[0]?.url).toBeUndefined();
  });
});

describe('validation, in the API envelope and wording', () => {
  it('rejects a fixed-size model given another size', async () => {
    const error = await failure(
      client.images.generate({ model: 'gpt-image-1', prompt: 'x', size: '512x512' }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe('invalid_value');
    expect(error.param).toBe('size');
    expect(error.message).toBe(
      "400 Invalid value: '512x512'. Supported values are: '1024x1024', '1536x1024', '1024x1536', and 'auto'.",
    );
  });

  it('GPT image models reject response_format as unknown', async () => {
    const error = await failure(
      client.images.generate({ model: 'gpt-image-1', prompt: 'x', response_format: 'url' }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('unknown_parameter');
    expect(error.message).toBe("400 Unknown parameter: 'response_format'.");
  });

  it('dall-e-3 makes one image per request; n is 1–10 elsewhere', async () => {
    const three = await failure(client.images.generate({ model: 'dall-e-3', prompt: 'x', n: 2 }));
    expect(three.code).toBe('integer_above_max_value');
    expect(three.param).toBe('n');
    const many = await failure(client.images.generate({ model: 'gpt-image-1', prompt: 'x', n: 11 }));
    expect(many.message).toContain('Expected a value <= 10, but got 11 instead.');
  });

  it('requires a prompt and knows its models', async () => {
    const missing = await postJson(sim, '/v1/images/generations', { model: 'gpt-image-1' }, 'sk-good-key');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: {
        message: "Missing required parameter: 'prompt'.",
        type: 'invalid_request_error',
        param: 'prompt',
        code: 'missing_required_parameter',
      },
    });
    const model = await failure(client.images.generate({ model: 'gpt-4o', prompt: 'x' }));
    expect(model.param).toBe('model');
    const long = await failure(client.images.generate({ model: 'dall-e-2', prompt: 'x'.repeat(1001) }));
    expect(long.code).toBe('string_above_max_length');
  });

  it('refuses prompts the safety system flags', async () => {
    const error = await failure(
      client.images.generate({ model: 'gpt-image-1', prompt: 'bad [[sim:moderated]]' }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('moderation_blocked');
    expect(error.type).toBe('image_generation_user_error');
  });

  it('401 for a wrong key, and the request is recorded', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const error = await failure(wrong.images.generate({ model: 'gpt-image-1', prompt: 'x' }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe('invalid_api_key');
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/images/generations',
      completed: true,
    });
    expect(sim.requests[0]?.body).toMatchObject({ model: 'gpt-image-1', prompt: 'x' });
  });

  it('status faults answer in the OpenAI envelope', async () => {
    sim.addFault({ status: 429, match: { model: 'gpt-image-1' }, headers: { 'retry-after': '1' } });
    const error = await failure(client.images.generate({ model: 'gpt-image-1', prompt: 'x' }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.headers?.get('retry-after')).toBe('1');
  });
});

describe('streaming (GPT image models)', () => {
  it('sends partial images, then the completed image with usage, through the SDK', async () => {
    const stream = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a slow reveal',
      stream: true,
      partial_images: 2,
      size: '1536x1024',
    });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
    ]);
    const completed = events.at(-1);
    if (completed?.type !== 'image_generation.completed') throw new Error('no completed event');
    expect(completed.usage.output_tokens).toBe(1568);
    expect(completed).toMatchObject({
      size: '1536x1024',
      quality: 'medium',
      output_format: 'png',
      background: 'opaque',
    });
    expect(readPngInfo(Buffer.from(completed.b64_json, 'base64'))).toMatchObject({
      width: 1536,
      height: 1024,
    });
    const partial = events[1];
    expect(partial?.type === 'image_generation.partial_image' && partial.partial_image_index).toBe(1);
  });

  it('DALL·E models do not stream', async () => {
    const response = await postJson(
      sim,
      '/v1/images/generations',
      { model: 'dall-e-2', prompt: 'x', stream: true },
      'sk-good-key',
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unknown_parameter');
  });
});
