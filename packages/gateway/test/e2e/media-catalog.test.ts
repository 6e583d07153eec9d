import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';
import { runCli } from '../helpers/run-cli.ts';

interface MediaListing {
  id: string;
  object: string;
  kind: string;
  endpoint?: string;
  modalities?: string[];
  pricing?: Record<string, unknown>;
}

describe('media models: listed for OpenAI clients, refused by chat endpoints', () => {
  let harness: Harness;
  let user: TestUser;

  beforeAll(async () => {
    harness = await startHarness({ config: { models: { 'flux-kontext-max': { disabled: true } } } });
    user = await harness.newUser(1000);
  });
  afterAll(() => harness.close());

  it('the openai SDK lists them with their kind and price per unit, and retrieves one', async () => {
    const listed: MediaListing[] = [];
    for await (const model of user.client.models.list()) listed.push(model as unknown as MediaListing);
    const byId = new Map(listed.map((model) => [model.id, model]));
    for (const id of [
      'gpt-image-2',
      'nano_banana_pro',
      'kling-v3',
      'Veo3.1-fast-official',
      'audio-tts',
      'sdxl',
    ])
      expect(byId.get(id), id).toBeDefined();
    expect(byId.get('deepseek-v3.2')).toMatchObject({ object: 'model', kind: 'chat' });
    expect(byId.has('flux-kontext-max')).toBe(false);
    expect(byId.get('nano_banana')).toMatchObject({
      object: 'model',
      kind: 'image',
      owned_by: 'google',
      endpoint: 'POST /v1/images/generations',
      modalities: ['text-to-image', 'image-to-image'],
      pricing: { currency: 'credits', perImage: 3.9 },
    });
    expect(byId.get('gpt-image-2')!.pricing).toEqual({
      currency: 'credits',
      perImage: 4.2,
      tiers: { '1K': 4.2, '2K': 16.8, '4K': 67.2 },
    });
    expect(byId.get('gemini-3-1-flash-t2i')).toMatchObject({
      options: {
        n: { min: 1, max: 10 },
        aspect_ratio: ['1:1', '3:2', '2:3', '4:3', '3:4', '16:9', '9:16', '21:9'],
        resolution: ['0.5K', '1K', '2K', '4K'],
        reference_images: { max: 4, sources: ['https', 'data'] },
      },
    });
    expect(byId.get('Veo3.1-fast-official')).toMatchObject({ kind: 'video', pricing: { perClip: 120 } });
    expect(byId.get('wan2.6')).toMatchObject({ kind: 'video', pricing: { perSecond: 10 } });
    expect(byId.get('audio-asr')).toMatchObject({ kind: 'audio', pricing: { perRequest: 2 } });
    expect(byId.get('wan-video')).toMatchObject({
      kind: 'gpu',
      endpoint: 'POST /v1/gpu/wan-video',
      pricing: { perSecond: 2, maxSeconds: 600 },
    });

    const retrieved = (await user.client.models.retrieve('sdxl')) as unknown as MediaListing;
    expect(retrieved).toMatchObject({ id: 'sdxl', kind: 'gpu', pricing: { perCall: 50, maxSeconds: 120 } });
    const aliased = (await user.client.models.retrieve('nano-banana-t2i')) as unknown as MediaListing;
    expect(aliased.id).toBe('nano_banana');
    const disabled = await user.client.models.retrieve('flux-kontext-max').catch((error: unknown) => error);
    expect((disabled as { status: number }).status).toBe(404);
  });

  it('the Anthropic and Gemini listings keep to the chat models their clients can call', async () => {
    const claude = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const anthropicIds: string[] = [];
    for await (const model of claude.models.list()) anthropicIds.push(model.id);
    expect(anthropicIds).toContain('claude-haiku-4-5');
    expect(anthropicIds).not.toContain('gpt-image-2');
    expect(anthropicIds).not.toContain('nano_banana');
    const retrieve = await claude.models.retrieve('nano_banana').catch((error: unknown) => error);
    expect((retrieve as { status: number }).status).toBe(404);

    const google = await fetch(`${harness.gateway.url}/v1beta/models`, {
      headers: { 'x-goog-api-key': user.key },
    });
    const names = ((await google.json()) as { models: Array<{ name: string }> }).models.map(
      (model) => model.name,
    );
    expect(names).toContain('models/gemini-3.5-fast');
    expect(names).not.toContain('models/gemini-3-pro-image-preview');
    expect(names).not.toContain('models/nano_banana');
    const one = await fetch(`${harness.gateway.url}/v1beta/models/gemini-3-pro-image-preview`, {
      headers: { 'x-goog-api-key': user.key },
    });
    expect(one.status).toBe(404);
  });

  it('a media model on any chat endpoint is a 400 naming its endpoint: no upstream call, no charge', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const upstreamCalls = harness.sim.requests.length;
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${harness.gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, text: await response.text() };
    };
    const messages = [{ role: 'user', content: 'draw a cat' }];

    // The official SDK sees a BadRequestError with the message.
    const sdk = await user.client.chat.completions
      .create({ model: 'gpt-image-2', messages: [{ role: 'user', content: 'draw a cat' }] })
      .catch((error: unknown) => error as { status: number; message: string; code: string });
    expect(sdk).toMatchObject({ status: 400, code: 'wrong_endpoint' });
    expect((sdk as { message: string }).message).toContain(
      'gpt-image-2 is an image model; use POST /v1/images/generations',
    );

    const cases: Array<[string, unknown, string, Record<string, string>?]> = [
      [
        '/v1/chat/completions',
        { model: 'kling-v3', messages },
        'a video model; use POST /v1/videos/generate',
      ],
      [
        '/api/v1/chat/completions',
        { model: 'audio-tts', messages },
        'an audio model; use POST /v1/audio/generations',
      ],
      ['/v1/chat/completions', { model: 'sdxl', messages }, 'a GPU model; use POST /v1/gpu/sdxl'],
      // Aliases and ids that a chat family pattern (gemini-*, gpt-*) would otherwise take.
      ['/v1/chat/completions', { model: 'nano-banana-t2i', messages }, 'nano_banana is an image model'],
      ['/v1/chat/completions', { model: 'gemini-3-pro-image-preview', messages }, '/v1/images/generations'],
      ['/v1/responses', { model: 'gpt-4o-image', input: 'draw a cat' }, '/v1/images/generations'],
      [
        '/v1/messages',
        { model: 'nano_banana_pro', max_tokens: 16, messages },
        '/v1/images/generations',
        { 'anthropic-version': '2023-06-01' },
      ],
      [
        '/v1/messages/count_tokens',
        { model: 'nano_banana_pro', messages },
        '/v1/images/generations',
        { 'anthropic-version': '2023-06-01' },
      ],
      [
        '/v1beta/models/gemini-3.1-flash-image-preview:generateContent',
        { contents: [{ role: 'user', parts: [{ text: 'draw a cat' }] }] },
        '/v1/images/generations',
      ],
      [
        '/v1/gemini',
        { model: 'Veo3.1-fast-official', contents: [{ role: 'user', parts: [{ text: 'x' }] }] },
        '/v1/videos/generate',
      ],
      // Intent routing on a chat endpoint never picks a media model.
      ['/v1/chat/completions', { intent: 'text-to-image-fast', messages }, 'use POST /v1/images/generations'],
    ];
    for (const [path, body, message, headers] of cases) {
      const result = await post(path, body, headers);
      expect(result.status, `${path} ${result.text}`).toBe(400);
      expect(result.text, path).toContain(message);
    }
    // A disabled media model is simply unknown, not a chat model of its family.
    const disabled = await post('/v1/chat/completions', { model: 'flux-kontext-max', messages });
    expect(disabled.status).toBe(400);
    expect(disabled.text).toContain('unknown_model');

    expect(harness.sim.requests.length).toBe(upstreamCalls);
    expect(await harness.balancedBalance(user.user.id)).toBe(before);
  });

  it('`hypereal models` prints media models with their unit prices', async () => {
    const main = join(import.meta.dirname, '../../src/cli/main.ts');
    const result = await runCli(process.execPath, [main, 'models'], { env: {}, cwd: tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^deepseek-v3\.2 .*deepseek\/deepseek-chat/m);
    expect(result.stdout).toContain('Media models (credits per unit; 100 credits = $1)');
    expect(result.stdout).toMatch(
      /^nano_banana_pro +image +google\/gemini-3-pro-image-preview +13\.4\/image \(1K 13\.4, 2K 13\.4, 4K 24\)/m,
    );
    expect(result.stdout).toMatch(/^Veo3\.1-fast-official +video .* 120\/clip/m);
    expect(result.stdout).toMatch(/^audio-tts +audio +fish-audio\/s1 +2\/request/m);
    expect(result.stdout).toMatch(
      /^wan-video +gpu +workers\/wan-video → runpod\/wan-video +2\/second \(max 600 s\)/m,
    );
  });
});
