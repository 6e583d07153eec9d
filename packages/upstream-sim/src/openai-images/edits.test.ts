import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeBandsPng, readPngInfo } from '../images/png.ts';
import type { UpstreamSim } from '../server.ts';
import { startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient({ apiKeys: ['sk-good-key'] }, 'sk-good-key'));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const picture = (width: number, height: number): Buffer =>
  encodeBandsPng({ width, height, bands: [{ color: { r: 200, g: 40, b: 40 }, rows: height }] });

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('POST /v1/images/edits with the official SDK (multipart)', () => {
  it('takes several images for GPT image models, follows the first one’s orientation, and bills them as input', async () => {
    const result = await client.images.edit({
      model: 'gpt-image-1',
      image: [
        await toFile(picture(1536, 1024), 'landscape.png', { type: 'image/png' }),
        await toFile(picture(512, 512), 'logo.png', { type: 'image/png' }),
      ],
      prompt: 'put the logo on the wall',
      size: 'auto',
    });
    expect(result.size).toBe('1536x1024');
    expect(readPngInfo(Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64'))).toMatchObject({
      width: 1536,
      height: 1024,
    });
    const usage = result.usage;
    expect(usage?.input_tokens_details?.image_tokens).toBeGreaterThan(0);
    expect(usage?.input_tokens).toBe(
      (usage?.input_tokens_details?.text_tokens ?? 0) + (usage?.input_tokens_details?.image_tokens ?? 0),
    );
    // The record names the uploaded files rather than holding their bytes.
    expect(sim.requests[0]?.body).toMatchObject({
      model: 'gpt-image-1',
      prompt: 'put the logo on the wall',
      image: [
        { filename: 'landscape.png', content_type: 'image/png' },
        { filename: 'logo.png', content_type: 'image/png' },
      ],
    });
  });

  it('dall-e-2 edits one square PNG with a mask and answers a URL', async () => {
    const result = await client.images.edit({
      model: 'dall-e-2',
      image: await toFile(picture(256, 256), 'square.png', { type: 'image/png' }),
      mask: await toFile(picture(256, 256), 'mask.png', { type: 'image/png' }),
      prompt: 'add a hat',
      size: '512x512',
    });
    const fetched = await fetch(result.data?.[0]?.url ?? '');
    expect(readPngInfo(new Uint8Array(await fetched.arrayBuffer()))).toMatchObject({
      width: 512,
      height: 512,
    });
    expect(sim.requests[0]?.body).toMatchObject({ mask: { filename: 'mask.png' } });
    const wide = await failure(
      client.images.edit({ model: 'dall-e-2', image: await toFile(picture(300, 200), 'w.png'), prompt: 'x' }),
    );
    expect(wide.status).toBe(400);
    expect(wide.param).toBe('image');
  });

  it('requires an image and a prompt; dall-e-3 cannot edit', async () => {
    const noPrompt = await failure(
      client.images.edit({ model: 'gpt-image-1', image: await toFile(picture(64, 64), 'a.png'), prompt: '' }),
    );
    expect(noPrompt.status).toBe(400);
    const form = new FormData();
    form.set('prompt', 'x');
    form.set('model', 'gpt-image-1');
    const noImage = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-good-key' },
      body: form,
    });
    expect(noImage.status).toBe(400);
    expect(((await noImage.json()) as { error: { param: string; code: string } }).error).toMatchObject({
      param: 'image',
      code: 'missing_required_parameter',
    });
    const three = await failure(
      client.images.edit({ model: 'dall-e-3', image: await toFile(picture(64, 64), 'a.png'), prompt: 'x' }),
    );
    expect(three.param).toBe('model');
  });

  it('JSON edits reference images by URL without fetching them', async () => {
    const response = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-good-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-image-1.5',
        prompt: 'make it snow',
        images: [{ image_url: 'https://example.com/street.png' }],
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ b64_json: string }>; size: string };
    expect(body.size).toBe('1024x1024');
    expect(sim.requests).toHaveLength(1);
  });

  it('faults match the model of a multipart edit', async () => {
    sim.addFault({ status: 500, match: { model: 'gpt-image-1-mini' } });
    const error = await failure(
      client.images.edit({
        model: 'gpt-image-1-mini',
        image: await toFile(picture(64, 64), 'a.png'),
        prompt: 'x',
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
  });
});
