import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPngInfo } from '../images/png.ts';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';

let sim: UpstreamSim;
const KEY = 'ark-test-key';
const MODEL = 'seedream-4-0-250828';

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY] });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

function generate(body: unknown, key: string | null = KEY): Promise<Response> {
  return fetch(`${sim.url}/api/v3/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
}

interface Generated {
  model: string;
  created: number;
  data: Array<{ url?: string; b64_json?: string; size: string }>;
  usage: { input_images: number; generated_images: number; output_tokens: number; total_tokens: number };
}

interface ArkErrorBody {
  error: { code: string; message: string; param: string; type: string };
}

async function download(url: string | undefined): Promise<Response> {
  return fetch(url ?? '');
}

describe('Seedream on Ark / ModelArk', () => {
  it('answers a signed TOS-style URL to a PNG of the preset size, with per-image usage', async () => {
    const response = await generate({ model: MODEL, prompt: 'a koi pond', size: '2K', watermark: false });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^021\d{13}[0-9a-f]+$/);
    const body = (await response.json()) as Generated;
    expect(body.model).toBe(MODEL);
    expect(body.created).toBeGreaterThan(1_700_000_000);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.size).toBe('2048x2048');
    expect(body.usage).toEqual({
      input_images: 0,
      generated_images: 1,
      output_tokens: 16384,
      total_tokens: 16384,
    });
    const url = new URL(body.data[0]?.url ?? '');
    expect(url.searchParams.get('X-Tos-Expires')).toBe('86400');
    expect(url.searchParams.get('X-Tos-Signature')).toBeTruthy();
    const image = await download(url.href);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(readPngInfo(new Uint8Array(await image.arrayBuffer()))).toMatchObject({
      width: 2048,
      height: 2048,
    });
  });

  it('takes the nulls the official SDK sends for unset fields', async () => {
    const response = await generate({
      model: MODEL,
      prompt: 'a koi',
      image: null,
      response_format: null,
      size: null,
      seed: null,
      guidance_scale: null,
      watermark: null,
      optimize_prompt: null,
      optimize_prompt_options: null,
      sequential_image_generation: null,
      sequential_image_generation_options: null,
      tools: null,
      output_format: null,
      stream: null,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Generated).data[0]?.size).toBe('2048x2048');
  });

  it('b64_json with an explicit WxH size', async () => {
    const body = (await (
      await generate({
        model: 'doubao-seedream-4-0-250828',
        prompt: 'a poster',
        size: '1664x2496',
        response_format: 'b64_json',
      })
    ).json()) as Generated;
    expect(body.data[0]?.url).toBeUndefined();
    expect(body.data[0]?.size).toBe('1664x2496');
    expect(readPngInfo(Buffer.from(body.data[0]?.b64_json ?? '', 'base64'))).toMatchObject({
      width: 1664,
      height: 2496,
    });
    expect(body.usage.output_tokens).toBe((1664 * 2496) / 256);
  });

  it('sequential generation returns a set; reference images are recorded, never fetched', async () => {
    const body = (await (
      await generate({
        model: MODEL,
        prompt: 'a four-panel comic [[sim:images=3]]',
        image: ['https://example.com/a.png', 'data:image/png;base64,iVBORw0KGgo='],
        sequential_image_generation: 'auto',
        sequential_image_generation_options: { max_images: 4 },
      })
    ).json()) as Generated;
    expect(body.data).toHaveLength(3);
    expect(new Set(body.data.map((entry) => entry.url)).size).toBe(3);
    expect(body.usage.generated_images).toBe(3);
    expect(body.usage.input_images).toBe(2);
    expect(sim.requests).toHaveLength(1);
    const capped = (await (
      await generate({
        model: MODEL,
        prompt: 'a set',
        sequential_image_generation: 'auto',
        sequential_image_generation_options: { max_images: 2 },
      })
    ).json()) as Generated;
    expect(capped.data).toHaveLength(2);
    const disabled = (await (
      await generate({ model: MODEL, prompt: 'one [[sim:images=3]]' })
    ).json()) as Generated;
    expect(disabled.data).toHaveLength(1);
  });

  it('streams per-image events, then completed and [DONE]', async () => {
    const response = await generate({
      model: MODEL,
      prompt: 'two frames [[sim:images=2]]',
      size: '1K',
      stream: true,
      sequential_image_generation: 'auto',
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text())
      .split('\n\n')
      .filter((event) => event !== '')
      .map((event) => event.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const parsed = events.slice(0, -1).map((event) => JSON.parse(event) as Record<string, unknown>);
    expect(parsed.map((event) => event['type'])).toEqual([
      'image_generation.partial_succeeded',
      'image_generation.partial_succeeded',
      'image_generation.completed',
    ]);
    expect(parsed[1]).toMatchObject({
      image_index: 1,
      size: '1024x1024',
      model: MODEL,
      created_at: expect.any(Number),
    });
    expect(parsed[2]?.['usage']).toMatchObject({ generated_images: 2 });
  });

  it('URLs expire on demand with TOS-style 403s', async () => {
    const body = (await (await generate({ model: MODEL, prompt: 'expire me' })).json()) as Generated;
    expect((await download(body.data[0]?.url)).status).toBe(200);
    sim.expireImageUrls();
    const expired = await download(body.data[0]?.url);
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
  });
});

describe('Seedream errors, in the Ark envelope', () => {
  it('401 AuthenticationError without or with a wrong key', async () => {
    for (const key of [null, 'wrong']) {
      const response = await generate({ model: MODEL, prompt: 'x' }, key);
      expect(response.status).toBe(401);
      const body = (await response.json()) as ArkErrorBody;
      expect(body.error).toMatchObject({ code: 'AuthenticationError', type: 'Unauthorized' });
      expect(body.error.message).toMatch(/Request id: 021\d+/);
    }
  });

  it('400 for missing and invalid parameters, naming the param', async () => {
    const missing = await generate({ model: MODEL });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as ArkErrorBody).error).toMatchObject({
      code: 'MissingParameter',
      param: 'prompt',
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ size: '256x256' }, 'size'],
      [{ size: '8K' }, 'size'],
      [{ response_format: 'png' }, 'response_format'],
      [{ sequential_image_generation: 'always' }, 'sequential_image_generation'],
      [
        { sequential_image_generation: 'auto', sequential_image_generation_options: { max_images: 16 } },
        'sequential_image_generation_options.max_images',
      ],
      [{ watermark: 'yes' }, 'watermark'],
    ];
    for (const [extra, param] of cases) {
      const response = await generate({ model: MODEL, prompt: 'x', ...extra });
      expect(response.status).toBe(400);
      const body = (await response.json()) as ArkErrorBody;
      expect(body.error).toMatchObject({ code: 'InvalidParameter', param, type: 'BadRequest' });
    }
    const oldModel = await generate({ model: 'doubao-seedream-3-0-t2i-250415', prompt: 'x', size: '2K' });
    expect(oldModel.status).toBe(400);
    const newModel = await generate({ model: 'seedream-4-5-251128', prompt: 'x', size: '1K' });
    expect(newModel.status).toBe(400);
  });

  it('404 for unknown models; sensitive prompts are refused', async () => {
    const unknown = await generate({ model: 'gpt-image-1', prompt: 'x' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ArkErrorBody).error.code).toBe('InvalidEndpointOrModel.NotFound');
    const sensitive = await generate({ model: MODEL, prompt: 'x [[sim:moderated]]' });
    expect(sensitive.status).toBe(400);
    expect(((await sensitive.json()) as ArkErrorBody).error.code).toBe('InputTextSensitiveContentDetected');
  });

  it('status faults answer in the Ark envelope', async () => {
    sim.addFault({ status: 429, match: { model: MODEL } });
    const response = await generate({ model: MODEL, prompt: 'x' });
    expect(response.status).toBe(429);
    expect(((await response.json()) as ArkErrorBody).error.type).toBe('TooManyRequests');
  });
});
