import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../errors/index.ts';
import type { ModelRoute } from '../../routing/model-route.ts';
import { upstreamFailure } from '../../upstream/upstream-failure.ts';
import type { Provider } from '../types.ts';
import { bfl } from './bfl.ts';
import { geminiImages } from './gemini-images.ts';
import { openAiImages } from './openai-images.ts';
import { seedream } from './seedream.ts';
import type { ImageAdapter, VendorHttp } from './types.ts';

/** The vendor exchanges the upstream simulator recorded in the vendors' documented shapes. */
const fixturesDir = join(import.meta.dirname, '../../../../upstream-sim/src');
const fixture = (vendor: string, name: string) =>
  JSON.parse(readFileSync(join(fixturesDir, vendor, '__fixtures__', `${name}.json`), 'utf8')) as {
    request: { url: string; body?: unknown };
    response: { status: number; body: unknown };
  };

const replaying = (...bodies: unknown[]): VendorHttp => ({
  postJson: async () => bodies.shift(),
  getJson: async () => bodies.shift(),
  sleep: async () => undefined,
});
const route = (model: string): ModelRoute => ({
  model,
  provider: { name: 'vendor', baseUrl: 'https://x' } as Provider,
});
const job = { prompt: 'p', n: 1, references: [] };
const run = (adapter: ImageAdapter, model: string, ...bodies: unknown[]) =>
  adapter.generate({ job, route: route(model), http: replaying(...bodies) });

describe('image adapters read the recorded vendor answers', () => {
  it('OpenAI: b64_json (GPT image) and url (DALL·E)', async () => {
    const [b64] = await run(
      openAiImages,
      'gpt-image-1',
      fixture('openai-images', 'generations-gpt-image-1').response.body,
    );
    expect(b64 && 'bytes' in b64 && b64.bytes.subarray(1, 4).toString()).toBe('PNG');
    const [url] = await run(
      openAiImages,
      'dall-e-3',
      fixture('openai-images', 'generations-dall-e-3-url').response.body,
    );
    expect(url && 'url' in url && url.url).toMatch(/^https:\/\/oaidalleapiprodscus/);
  });

  it('Gemini: image parts; IMAGE_SAFETY is a refusal. Imagen: predictions', async () => {
    const [image] = await run(
      geminiImages,
      'gemini-2.5-flash-image',
      fixture('gemini', 'generate-content-image').response.body,
    );
    expect(image && 'bytes' in image && image.mimeType).toBe('image/png');
    await expect(
      run(
        geminiImages,
        'gemini-2.5-flash-image',
        fixture('gemini', 'generate-content-image-safety').response.body,
      ),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    const predicted = await run(
      geminiImages,
      'imagen-4.0-generate-001',
      fixture('gemini', 'predict-imagen').response.body,
    );
    expect(predicted.length).toBeGreaterThan(0);
  });

  it('BFL: submit → Pending → Ready gives result.sample; Content Moderated is a refusal', async () => {
    const images = await run(
      bfl,
      'flux-2-pro',
      fixture('bfl', 'submit-flux-2-pro').response.body,
      fixture('bfl', 'get-result-pending').response.body,
      fixture('bfl', 'get-result-ready').response.body,
    );
    expect(images).toEqual([{ url: expect.stringMatching(/^https:\/\/delivery-eu1\.bfl\.ai\//) }]);
    await expect(
      run(
        bfl,
        'flux-2-pro',
        fixture('bfl', 'submit-flux-2-pro').response.body,
        fixture('bfl', 'get-result-content-moderated').response.body,
      ),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'prompt' });
  });

  it('Seedream: data[].url and data[].b64_json', async () => {
    const [url] = await run(seedream, 'seedream-4-0', fixture('ark-images', 'generations-url').response.body);
    expect(url && 'url' in url && url.url).toMatch(/tos-ap-southeast-1\.volces\.com/);
    const b64 = await run(
      seedream,
      'seedream-4-0',
      fixture('ark-images', 'generations-b64-sequential').response.body,
    );
    expect(b64.length).toBeGreaterThan(1);
  });

  it.each([
    ['bfl', 'error-422-validation', 'invalid_request', false],
    ['bfl', 'error-403-no-key', 'upstream_error', true], // the gateway's key: try the next target
    ['ark-images', 'error-sensitive-input', 'invalid_request', false],
    ['openai-images', 'error-invalid-size', 'invalid_request', false],
    ['gemini', 'error-image-on-text-model', 'invalid_request', false],
  ] as const)('%s %s maps to %s', (vendor, name, code, retryable) => {
    const { response } = fixture(vendor, name);
    const error: GatewayError = upstreamFailure('vendor', response.status, JSON.stringify(response.body), {});
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
  });
});
