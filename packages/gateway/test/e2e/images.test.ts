import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { listAttempts, listRequestLogs } from '../../src/usage/index.ts';
import { signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

/** A 1×1 PNG, served as a reference image by a local "public" host the operator allowlisted. */
const pixel = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const pngMagic = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG width and height from the IHDR chunk. */
const pngSize = (bytes: Buffer) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });

describe('POST /v1/images/generations', () => {
  let harness: Harness;
  let user: TestUser;
  let references: Server;
  let referenceUrl: string;

  beforeAll(async () => {
    references = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' }).end(pixel);
    });
    await new Promise<void>((resolve) => references.listen(0, '127.0.0.1', resolve));
    referenceUrl = `http://127.0.0.1:${(references.address() as AddressInfo).port}/ref.png`;
    harness = await startHarness({
      config: {
        network: { allowPrivate: ['127.0.0.1'] },
        routing: { retriesPerTarget: 1, backoffBaseMs: 20 },
        models: {
          // Two image upstreams of different vendors behind one model.
          'image-chain': {
            kind: 'image',
            routes: ['bfl/flux-2-pro', 'byteplus/seedream-4-0'],
            price: { perImage: 2 },
            rules: { maxImages: 4 },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await harness.close();
    references.closeAllConnections();
    await new Promise((resolve) => references.close(resolve));
  });
  beforeEach(async () => {
    harness.sim.reset();
    user = await harness.newUser(200);
  });

  const post = (key: string, body: unknown, path = '/images/generations') =>
    fetch(`${harness.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const vendorCalls = () => harness.sim.requests.filter((request) => !request.path.startsWith('/__delivery'));
  const spent = async (who: TestUser) => creditsToMicro(200) - (await harness.balancedBalance(who.user.id));

  it.each([
    ['gpt-image-2', { size: '1536x1024' }, 4.2, { width: 1536, height: 1024 }],
    ['nano_banana_2', { size: '1024x1024' }, 6.7, undefined],
    ['gemini-3.1-fast-imagen', {}, 2, undefined],
    ['flux-kontext-pro', {}, 4, undefined],
    ['flux-2-pro', { size: '1024x768' }, 3, { width: 1024, height: 768 }],
    ['doubao-seedream-4-0', { size: '2048x2048' }, 3, { width: 2048, height: 2048 }],
  ] as const)(
    'the OpenAI SDK generates with %s; the URL is the gateway’s own and billed per image',
    async (model, options, credits, dimensions) => {
      const result = await user.client.images.generate({
        model,
        prompt: 'a chrome teapot at sunset',
        n: 2,
        ...options,
      });
      expect(result.data).toHaveLength(2);
      for (const image of result.data ?? []) {
        expect(image.url?.startsWith(`${harness.gateway.url}/v1/files/`)).toBe(true);
        const download = await fetch(image.url!);
        expect(download.status).toBe(200);
        expect(download.headers.get('content-type')).toBe('image/png');
        const bytes = Buffer.from(await download.arrayBuffer());
        expect(bytes.subarray(0, 8).equals(pngMagic)).toBe(true);
        if (dimensions) expect(pngSize(bytes)).toEqual(dimensions);
      }
      expect(await spent(user)).toBe(2 * creditsToMicro(credits));
      const [log] = await listRequestLogs(harness.db, user.user.id, 1);
      expect(log).toMatchObject({
        model,
        status: 200,
        image_count: 2,
        cost_micro: 2 * creditsToMicro(credits),
      });
    },
  );

  it('b64_json returns the bytes inline; gpt-image-2 at 2048x2048 is billed at its 2K tier', async () => {
    const result = await user.client.images.generate({
      model: 'gpt-image-2',
      prompt: 'a square',
      size: '2048x2048',
      response_format: 'b64_json',
    });
    const bytes = Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64');
    expect(pngSize(bytes)).toEqual({ width: 2048, height: 2048 });
    expect(await spent(user)).toBe(creditsToMicro(16.8));
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ image_count: 1, image_tier: '2K' });
    // The owner's usage page shows the images and their tier.
    const email = `images-${Date.now()}@example.com`;
    const owner = await harness.newUser(100, { email, password: 'a long passphrase' });
    await owner.client.images.generate({
      model: 'nano_banana_pro',
      prompt: 'tiers',
      n: 2,
      // @ts-expect-error the gateway's own field, not in the SDK's types
      resolution: '4K',
    });
    const account = await signedIn(harness.gateway.url, email, 'a long passphrase');
    const usage = await account.call('GET', '/api/api-usage?days=1');
    expect((usage.body['logs'] as Record<string, unknown>[])[0]).toMatchObject({
      model: 'nano_banana_pro',
      images: 2,
      imageTier: '4K',
      cost: 48,
    });
    const csv = await account.call('GET', '/api/api-usage/export?days=1');
    expect(csv.text.trim().split('\n').at(-1)?.endsWith(',2,4K')).toBe(true);
    expect(await harness.balancedBalance(owner.user.id)).toBe(creditsToMicro(100 - 48));
  });

  it.each([
    ['gpt-image-2', { size: '1536x1536' }, 'size', '1024x1024, 1536x1024, 1024x1536, 2048x2048, 4096x4096'],
    ['gpt-image-2', { size: '2048x1024' }, 'size', '2048x2048'],
    [
      'gpt-image-2',
      { reference_images: ['data:image/png;base64,iVBORw0KGgo='] },
      'reference_images[0]',
      'public HTTPS URLs',
    ],
    [
      'gpt-image-2',
      { reference_images: Array(5).fill('https://example.com/a.png') },
      'reference_images',
      'at most 4',
    ],
    ['gpt-image-2', { aspect_ratio: '16:9' }, 'aspect_ratio', 'use size'],
    [
      'gemini-3-1-flash-t2i',
      { aspect_ratio: '5:4' },
      'aspect_ratio',
      '1:1, 3:2, 2:3, 4:3, 3:4, 16:9, 9:16, 21:9',
    ],
    ['gemini-3-1-flash-t2i', { resolution: '8K' }, 'resolution', '0.5K, 1K, 2K, 4K'],
    [
      'gemini-3-1-flash-t2i',
      { image_urls: Array(5).fill('https://example.com/a.png') },
      'image_urls',
      'at most 4',
    ],
    [
      'gemini-3-1-flash-t2i',
      { image_urls: ['ftp://example.com/a.png'] },
      'image_urls[0]',
      'base64 data URLs',
    ],
    ['gemini-3.1-fast-imagen', { n: 5 }, 'n', 'at most 4'],
    ['gemini-3.1-fast-imagen', { image: 'https://example.com/a.png' }, 'image', 'text-to-image only'],
    ['flux-2-pro', { size: '1000x1000' }, 'size', 'multiples of 16'],
    ['doubao-seedream-4-5', { resolution: '1K' }, 'resolution', '2K, 4K'],
    ['nano_banana', { n: 11 }, 'n', 'from 1 to 10'],
    ['nano_banana', { quality: 'high' }, 'quality', 'does not take quality'],
  ] as const)(
    '%s %j is a 400 naming %s, before any vendor call and free',
    async (model, options, param, allowed) => {
      const response = await post(user.key, { model, prompt: 'x', ...options });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { type: string; message: string; param: string } };
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.param).toBe(param);
      expect(body.error.message).toContain(allowed);
      expect(vendorCalls()).toHaveLength(0);
      expect(await spent(user)).toBe(0);
    },
  );

  it('unknown, chat and missing models are 400s listing the image models', async () => {
    const unknown = await post(user.key, { model: 'no-such-image', prompt: 'x' });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { available_models: string[] } };
    expect(body.error.available_models).toContain('gpt-image-2');
    expect((await post(user.key, { model: 'deepseek-v3.2', prompt: 'x' })).status).toBe(400);
    expect((await post(user.key, { prompt: 'x' })).status).toBe(400);
    expect((await post('ck_wrong', { model: 'gpt-image-2', prompt: 'x' })).status).toBe(401);
  });

  it('a balance below price × n is a 402 with no vendor call', async () => {
    const poor = await harness.newUser(10);
    const response = await post(poor.key, { model: 'gpt-image-2', prompt: 'x', n: 3 }); // 3 × 4.2 > 10
    expect(response.status).toBe(402);
    expect(vendorCalls()).toHaveLength(0);
    expect(await harness.balancedBalance(poor.user.id)).toBe(creditsToMicro(10));
    // Two images fit: generated and billed.
    expect((await post(poor.key, { model: 'gpt-image-2', prompt: 'x', n: 2 })).status).toBe(200);
    expect(await harness.balancedBalance(poor.user.id)).toBe(creditsToMicro(10 - 8.4));
  });

  it('a key’s monthly spending limit caps price × n (403) before any vendor call', async () => {
    const { secret } = await createApiKey(harness.db, {
      userId: user.user.id,
      name: 'capped',
      spendingLimitMicro: creditsToMicro(10),
    });
    const over = await post(secret, { model: 'gpt-image-2', prompt: 'x', n: 3 });
    expect(over.status).toBe(403);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('spending_limit_exceeded');
    expect(vendorCalls()).toHaveLength(0);
    expect((await post(secret, { model: 'gpt-image-2', prompt: 'x', n: 2 })).status).toBe(200);
    expect(await spent(user)).toBe(creditsToMicro(8.4));
  });

  it('fails over to the second image upstream when the first keeps failing, billing once', async () => {
    harness.sim.addFault({ match: { path: '/v1/flux-2-pro' }, status: 503, times: 2 });
    const response = await post(user.key, { model: 'image-chain', prompt: 'fallback', n: 1 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-hypereal-provider')).toBe('byteplus');
    expect(response.headers.get('x-hypereal-attempts')).toBe('3');
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    const attempts = await listAttempts(harness.db, log!.id);
    expect(attempts.map((attempt) => [attempt.provider, attempt.cause])).toEqual([
      ['bfl', 'upstream_unavailable'],
      ['bfl', 'upstream_unavailable'],
      ['byteplus', 'ok'],
    ]);
    expect(await spent(user)).toBe(creditsToMicro(2));
  });

  it('Seedream fails over from BytePlus ModelArk to Volcengine Ark', async () => {
    harness.sim.addFault({ match: { model: 'seedream-4-0' }, status: 500, times: 2 });
    const response = await post(user.key, { model: 'doubao-seedream-4-0', prompt: 'koi', resolution: '2K' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-hypereal-provider')).toBe('volcengine');
    const models = vendorCalls().map((request) => (request.body as { model?: string }).model);
    expect(models).toEqual(['seedream-4-0', 'seedream-4-0', 'doubao-seedream-4-0']);
    expect(await spent(user)).toBe(creditsToMicro(3));
  });

  it('gpt-image-2 with reference_images is an edit: the public URLs go to /images/edits in order', async () => {
    const result = await user.client.images.generate({
      model: 'gpt-image-2',
      prompt: 'same character, snowy background',
      size: '1024x1024',
      // @ts-expect-error the gateway's own field, not in the SDK's types
      reference_images: [referenceUrl, `${referenceUrl}?2`],
    });
    expect(result.data).toHaveLength(1);
    const edit = vendorCalls().find((request) => request.path.endsWith('/images/edits'))!;
    expect((edit.body as { images: unknown }).images).toEqual([
      { image_url: referenceUrl },
      { image_url: `${referenceUrl}?2` },
    ]);
    expect(await spent(user)).toBe(creditsToMicro(4.2));
  });

  it('every upstream failing is one clean 5xx and costs nothing', async () => {
    harness.sim.addFault({ status: 500, times: 10 });
    const response = await post(user.key, { model: 'image-chain', prompt: 'down' });
    expect(response.status).toBe(502);
    expect(await spent(user)).toBe(0);
  });

  it('a partial result bills only the images that came back', async () => {
    harness.sim.addFault({ match: { path: '/v1/flux-2-pro' }, status: 422, times: 1 });
    const response = await post(user.key, { model: 'flux-2-pro', prompt: 'two', n: 2 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: unknown[] };
    expect(body.data).toHaveLength(1);
    expect(await spent(user)).toBe(creditsToMicro(3));
  });

  it('the stored URL serves the exact vendor bytes after the vendor URL expired; another user gets 404', async () => {
    const response = await post(user.key, {
      model: 'doubao-seedream-4-0',
      prompt: 'keep me',
      size: '1024x1024',
    });
    const { data } = (await response.json()) as { data: { url: string }[] };
    // The same request straight to the simulator returns the same (deterministic) image.
    const sent = vendorCalls().find((request) => request.path.endsWith('/images/generations'))!;
    const direct = await fetch(`${harness.sim.url}${sent.path}`, {
      method: 'POST',
      headers: { authorization: sent.headers['authorization']!, 'content-type': 'application/json' },
      body: JSON.stringify(sent.body),
    });
    const vendorUrl = ((await direct.json()) as { data: { url: string }[] }).data[0]!.url;
    const vendorBytes = Buffer.from(await (await fetch(vendorUrl)).arrayBuffer());
    harness.sim.expireImageUrls();
    expect((await fetch(vendorUrl)).status).toBe(403);
    const stored = Buffer.from(await (await fetch(data[0]!.url)).arrayBuffer());
    expect(stored.equals(vendorBytes)).toBe(true);

    const fileId = new URL(data[0]!.url).pathname.split('/')[3]!;
    const mine = await fetch(`${harness.baseUrl}/storage/files/${fileId}`, {
      headers: { authorization: `Bearer ${user.key}` },
    });
    expect(mine.status).toBe(200);
    const other = await harness.newUser(0);
    const theirs = await fetch(`${harness.baseUrl}/storage/files/${fileId}`, {
      headers: { authorization: `Bearer ${other.key}` },
    });
    expect(theirs.status).toBe(404);
  });

  it('reference images are fetched by the gateway and sent in order; a refused URL is a 400 naming it', async () => {
    const result = await post(user.key, {
      model: 'gemini-3-1-flash-t2i',
      prompt: 'blend',
      aspect_ratio: '16:9',
      resolution: '2K',
      image_urls: [referenceUrl, `data:image/png;base64,${pixel.toString('base64')}`],
    });
    expect(result.status).toBe(200);
    const call = vendorCalls().find((request) => request.path.includes(':generateContent'))!;
    const parts = (call.body as { contents: { parts: Record<string, unknown>[] }[] }).contents[0]!.parts;
    expect(parts.map((part) => Object.keys(part)[0])).toEqual(['inlineData', 'inlineData', 'text']);
    expect((call.body as { generationConfig: unknown }).generationConfig).toMatchObject({
      imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
    });
    expect(await spent(user)).toBe(creditsToMicro(10.1));

    harness.sim.reset();
    const refused = await post(user.key, {
      model: 'flux-kontext-pro',
      prompt: 'x',
      image: 'https://169.254.169.254/latest/meta-data.png',
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('image');
    expect(vendorCalls()).toHaveLength(0);
  });

  it('a client that disconnects cancels the vendor call and pays nothing', async () => {
    harness.sim.addFault({ hang: true });
    // A raw socket the client destroys mid-call (an aborted fetch can leave its socket lingering).
    const call = httpRequest(new URL(`${harness.baseUrl}/images/generations`), {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
    });
    call.on('error', () => undefined);
    call.end(JSON.stringify({ model: 'gpt-image-2', prompt: 'slow' }));
    await expect.poll(() => vendorCalls().length).toBe(1);
    call.destroy();
    await expect.poll(async () => (await listRequestLogs(harness.db, user.user.id, 1))[0]?.status).toBe(499);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ cost_micro: 0, image_count: 0, error_code: 'client_closed' });
    await expect.poll(() => vendorCalls()[0]?.aborted).toBe(true);
    expect(await spent(user)).toBe(0);
  });
});

describe('POST /v1/images/generate (intents)', () => {
  let harness: Harness;
  let user: TestUser;
  beforeAll(async () => {
    harness = await startHarness({
      config: { routing: { retriesPerTarget: 0, breaker: { failureThreshold: 1, cooldownMs: 60_000 } } },
    });
    user = await harness.newUser(100);
  });
  afterAll(() => harness.close());

  const generate = (body: unknown) =>
    fetch(`${harness.baseUrl}/images/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('picks the cheapest model of the bucket that supports the request', async () => {
    const plain = await generate({ intent: 'text-to-image-fast', prompt: 'fast' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-hypereal-model')).toBe('gemini-3.1-fast-imagen');
    // Imagen has no 21:9 and takes no references: the next cheapest that does wins.
    const wide = await generate({ intent: 'text-to-image-fast', prompt: 'wide', aspect_ratio: '21:9' });
    expect(wide.headers.get('x-hypereal-model')).toBe('flux-2-pro');
    const pinned = await generate({ intent: 'text-to-image-fast', model: 'nano_banana', prompt: 'pinned' });
    expect(pinned.headers.get('x-hypereal-model')).toBe('nano_banana');
    await harness.balancedBalance(user.user.id);
  });

  it('a model whose breaker is open is passed over for the next cheapest', async () => {
    harness.sim.addFault({ match: { model: 'imagen-4.0-fast-generate-001' }, status: 503 });
    const failed = await generate({ intent: 'text-to-image-fast', prompt: 'breaker' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('x-hypereal-intent')).toBe('text-to-image-fast');
    const next = await generate({ intent: 'text-to-image-fast', prompt: 'breaker' });
    expect(next.status).toBe(200);
    expect(next.headers.get('x-hypereal-model')).toBe('flux-2-pro');
    await harness.balancedBalance(user.user.id);
  });

  it('unknown and chat intents are 400s', async () => {
    const unknown = await generate({ intent: 'no-such-intent', prompt: 'x' });
    expect(unknown.status).toBe(400);
    expect(
      ((await unknown.json()) as { error: { available_intents: string[] } }).error.available_intents,
    ).toEqual(expect.arrayContaining(['image-edit', 'text-to-image-fast', 'text-to-image-quality']));
  });

  it('the OpenAI SDK reaches it too (intent as an extra body field)', async () => {
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: user.key, maxRetries: 0 });
    const result = await client.images.generate(
      { model: '', prompt: 'quality' },
      { path: '/images/generate', body: { intent: 'text-to-image-quality', prompt: 'quality' } },
    );
    expect(result.data).toHaveLength(1);
    await harness.balancedBalance(user.user.id);
  });
});
