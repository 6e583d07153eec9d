import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.ts';
import { MemoryHealthStore } from '../routing/health.ts';
import { resolveIntent, resolveMediaIntent } from '../routing/intents.ts';
import type { MediaKind } from '../routing/media-models.ts';
import { targetKey } from '../routing/order-targets.ts';
import { ConfigError, loadConfig } from './load-config.ts';

const specDir = join(import.meta.dirname, '../../../../../shared/spec');

/** The media model ids of the API contract: docs/api-contract.md §4, §6, §7, and the GPU slugs of the original's §10 examples. */
const contractMediaModels: Record<MediaKind, string[]> = {
  image:
    'gpt-image-2, gpt-4o-image, nano_banana, nano_banana_2, nano_banana_pro, gemini-3-1-flash-t2i, gemini-3.1-flash-image-preview, gemini-2.5-flash-image-preview, gemini-3.1-flash-image-preview-official, gemini-2.5-flash-image-official, gemini-3-pro-image-preview, gemini-3-pro-image-preview-official, gemini-3-pro-image-preview-4K, gemini-3.1-fast-imagen, gemini-3.1-thinking-imagen, flux-kontext-pro, flux-kontext-max, flux-2-pro, flux-2-flex, doubao-seedream-4-0, doubao-seedream-4-5, doubao-seedream-5-0'.split(
      ', ',
    ),
  video:
    'gemini_omni_flash, wan2.6-flash, wan2.6, kling-2-6, kling-video-o1, kling-v3-omni, kling-v3, kling-v3-video, MiniMax-Hailuo-02, MiniMax-Hailuo-2.3, doubao-seedance-1-0-pro-fast, doubao-seedance-1-0-pro-quality, doubao-seedance-1-5-pro, doubao-seedance-2-0, doubao-seedance-2-0-fast, Veo3.1-fast-official, Veo3.1-quality-official, veo3.1-fast, veo3.1-quality, vidu-q3-pro, grok-video-3'.split(
      ', ',
    ),
  audio: ['audio-tts', 'audio-clone', 'audio-asr'],
  gpu: ['sdxl', 'wan-video'],
};

/** When the contract sits beside the repo (as in CI), read its lists the way load-config.test.ts does for chat. */
function modelsListedInContract(): Record<MediaKind, string[]> | undefined {
  const apiPath = join(specDir, 'api.md');
  const originalPath = join(specDir, '000_517f1f0bfb8b088d.txt');
  if (!existsSync(apiPath) || !existsSync(originalPath)) return undefined;
  const spec = readFileSync(apiPath, 'utf8');
  const sectionText = (heading: string) => {
    const start = spec.indexOf(heading);
    return spec.slice(start, spec.indexOf('\n## ', start + heading.length));
  };
  // `- Models: a, b,` and its indented continuation lines.
  const modelsLine = (heading: string) => {
    const text = sectionText(heading);
    const [first = '', ...rest] = text.slice(text.indexOf('- Models:') + '- Models:'.length).split('\n');
    const continued = rest.slice(
      0,
      rest.findIndex((line) => !/^\s+\S/.test(line)),
    );
    return [first, ...continued]
      .join(',')
      .split(',')
      .map((id) => id.trim().replace(/\.$/, ''))
      .filter((id) => id.length > 0);
  };
  // §7 lists its models as table rows: | `audio-tts` | … |
  const audio = [...sectionText('## 7. Audio').matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
  // §10 names no slugs; the original's examples call /v1/gpu/sdxl and /v1/gpu/wan-video.
  const original = readFileSync(originalPath, 'utf8');
  const gpu = [
    ...new Set([...original.matchAll(/\/v1\/gpu\/([a-z0-9][a-z0-9._-]*)/g)].map((match) => match[1]!)),
  ].filter((slug) => slug !== 'run' && slug !== 'jobs');
  return { image: modelsLine('## 4. Images'), video: modelsLine('## 6. Video'), audio, gpu };
}

describe('media models in the catalog', () => {
  const config = loadConfig({ inline: {}, env: {} });
  const { catalog } = config;

  it('hold every image, video, audio and GPU model of the API contract, routed and priced in their unit', () => {
    const listed = modelsListedInContract();
    if (listed) expect(listed).toEqual(contractMediaModels);
    const original = listed ? readFileSync(join(specDir, '000_517f1f0bfb8b088d.txt'), 'utf8') : undefined;
    for (const [kind, ids] of Object.entries(contractMediaModels)) {
      for (const id of ids) {
        if (original) expect(original, `${id} in the original reference`).toContain(id);
        const model = catalog.media(id);
        expect(model, id).toBeDefined();
        expect(model!.kind, id).toBe(kind);
        expect(model!.price.kind, id).toBe(kind);
        expect(model!.routes.length, id).toBeGreaterThan(0);
        expect(
          Object.values(model!.price).some((value) => typeof value === 'number' && value > 0),
          id,
        ).toBe(true);
        // Never a chat model, not even through a family pattern (gpt-*, gemini-*).
        expect(catalog.resolve(id), id).toBeUndefined();
      }
    }
    expect(catalog.mediaIds()).toHaveLength(Object.values(contractMediaModels).flat().length);
  });

  it('converts credits to integer micro-credits, in each kind unit', () => {
    expect(catalog.media('nano_banana')!.price).toEqual({ kind: 'image', perImage: 3_900_000, tiers: {} });
    expect(catalog.media('nano_banana_pro')!.price).toMatchObject({ tiers: { '4K': 24_000_000 } });
    expect(catalog.media('Veo3.1-fast-official')!.price).toEqual({
      kind: 'video',
      perSecond: 0,
      perClip: 120_000_000,
    });
    expect(catalog.media('wan2.6')!.price).toEqual({ kind: 'video', perSecond: 10_000_000, perClip: 0 });
    expect(catalog.media('audio-tts')!.price).toEqual({ kind: 'audio', perRequest: 2_000_000 });
    // The contract's own figures: sdxl 50 credits a call; wan-video 312 credits for 156 s.
    expect(catalog.media('sdxl')!.price).toEqual({
      kind: 'gpu',
      perCall: 50_000_000,
      perSecond: 0,
      maxSeconds: 120,
    });
    expect(catalog.media('wan-video')!.price).toMatchObject({ perSecond: 2_000_000, maxSeconds: 600 });
    for (const id of catalog.mediaIds()) {
      for (const value of Object.values(catalog.media(id)!.price)) {
        if (typeof value === 'number') expect(Number.isInteger(value), id).toBe(true);
      }
    }
  });

  it('keeps modalities, intents and fallback chains as data', () => {
    expect(catalog.media('gpt-image-2')!.modalities).toEqual(['text-to-image', 'image-to-image']);
    expect(catalog.media('gemini-3.1-fast-imagen')!.modalities).toEqual(['text-to-image']);
    expect(catalog.media('audio-asr')!.modalities).toEqual(['speech-to-text']);
    expect(catalog.media('nano_banana')!.intents).toContain('text-to-image-fast');
    expect(catalog.media('doubao-seedance-2-0')!.routes.map((route) => route.provider.name)).toEqual([
      'byteplus',
      'volcengine',
    ]);
    expect(catalog.media('audio-tts')!.routes[0]!.provider.name).toBe('fish-audio');
    expect(config.providers.get('fish-audio')!.baseUrl).toBe('https://api.fish.audio');
    // The model the original pins in its intent example is an alias.
    expect(catalog.media('nano-banana-t2i')!.id).toBe('nano_banana');
    expect(catalog.resolve('nano-banana-t2i')).toBeUndefined();
    // Chat listings and buckets stay chat-only.
    expect(catalog.ids()).not.toContain('gpt-image-2');
    expect(catalog.intentNames()).not.toContain('text-to-image-fast');
    expect(catalog.intentKind('text-to-image-fast')).toBe('image');
    expect(catalog.intentKind('chat-fast')).toBe('chat');
  });

  it('lets the config file override, add and disable media models like chat models', () => {
    const { catalog: custom, providers } = loadConfig({
      inline: {
        providers: { fal: { baseUrl: 'https://fal.run', apiKey: 'x' } },
        models: {
          nano_banana: { price: { perImage: 5 } },
          'wan2.6': { route: 'dashscope/wan2.6-t2v' },
          'gpt-image-2': { disabled: true },
          'my-flux': {
            kind: 'image',
            routes: ['fal/fal-ai/flux/dev', 'bfl/flux-dev'],
            price: { perImage: 2.5, tiers: { '2K': 5 } },
            modalities: ['text-to-image'],
            intents: ['text-to-image-fast'],
          },
          'my-comfy': { kind: 'gpu', route: 'runpod/abc123', price: { perSecond: 0.5 }, maxSeconds: 300 },
        },
        intents: { 'text-to-image-quality': { models: ['my-flux'] } },
        aliases: { 'flux-dev': 'my-flux' },
      },
      env: {},
    });
    expect(custom.media('nano_banana')!.price).toEqual({ kind: 'image', perImage: 5_000_000, tiers: {} });
    expect(custom.media('nano_banana')!.routes[0]!.model).toBe('gemini-2.5-flash-image');
    expect(custom.media('wan2.6')!.routes[0]!.model).toBe('wan2.6-t2v');
    expect(custom.media('wan2.6')!.price).toMatchObject({ kind: 'video', perSecond: 10_000_000 });
    // Disabled: gone from the media catalog, and no gpt-* chat pattern brings it back.
    expect(custom.media('gpt-image-2')).toBeUndefined();
    expect(custom.resolve('gpt-image-2')).toBeUndefined();
    expect(custom.mediaIds()).not.toContain('gpt-image-2');
    const flux = custom.media('flux-dev')!;
    expect(flux.id).toBe('my-flux');
    expect(flux.routes.map((route) => route.provider.name)).toEqual(['fal', 'bfl']);
    expect(flux.price).toEqual({ kind: 'image', perImage: 2_500_000, tiers: { '2K': 5_000_000 } });
    expect(flux.intents).toEqual(['text-to-image-fast', 'text-to-image-quality']);
    expect(custom.media('my-comfy')!.price).toEqual({
      kind: 'gpu',
      perCall: 0,
      perSecond: 500_000,
      maxSeconds: 300,
    });
    expect(providers.get('fal')!.baseUrl).toBe('https://fal.run');
  });

  it('names the bad field of a media model', () => {
    const bad =
      (models: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      () =>
        loadConfig({ inline: { models, ...extra }, env: {} });
    expect(bad({ nano_banana: { price: { perImage: 'cheap' } } })).toThrow(
      /models\.nano_banana\.price\.perImage: .*expected number/,
    );
    expect(bad({ nano_banana: { price: { input: 1, output: 2 } } })).toThrow(
      /models\.nano_banana\.price: Unrecognized keys: "input", "output"/,
    );
    expect(bad({ nano_banana: { price: { perImage: -1 } } })).toThrow(
      /models\.nano_banana\.price\.perImage: /,
    );
    expect(bad({ x: { kind: 'image', route: 'bfl/x' } })).toThrow(
      /models\.x\.price: required \(credits per image/,
    );
    expect(bad({ x: { kind: 'video', route: 'kling/x', price: {} } })).toThrow(
      /models\.x\.price: set perSecond, perClip or both/,
    );
    expect(bad({ x: { kind: 'gpu', route: 'runpod/x', price: { perCall: 1 } } })).toThrow(
      /models\.x\.maxSeconds: required \(maximum execution time/,
    );
    expect(
      bad({ x: { kind: 'image', route: 'bfl/x', price: { perImage: 1 }, contextWindow: 1000 } }),
    ).toThrow(/models\.x: Unrecognized key: "contextWindow"/);
    expect(
      bad({ x: { kind: 'image', route: 'bfl/x', price: { perImage: 1 }, modalities: ['text-to-video'] } }),
    ).toThrow(/models\.x\.modalities\.0: /);
    expect(bad({ x: { kind: 'sound', route: 'bfl/x' } })).toThrow(/models\.x\.kind: /);
    expect(bad({ x: { kind: 'audio', route: 'nowhere/x', price: { perRequest: 1 } } })).toThrow(
      /models\.x\.routes\[0\]: unknown provider "nowhere"/,
    );
    expect(bad({ x: { kind: 'audio', price: { perRequest: 1 } } })).toThrow(/models\.x\.route: required/);
    // A chat model (no kind) with a media price or a media-only field.
    expect(bad({ m: { route: 'openai/x', price: { perImage: 1 } } })).toThrow(
      /models\.m\.price\.perImage: a media price; set kind/,
    );
    expect(bad({ m: { route: 'openai/x', price: { input: 1, output: 1 }, maxSeconds: 5 } })).toThrow(
      /models\.m\.maxSeconds: only for media models/,
    );
    expect(bad({ 'gpt-5': { price: { input: 1 } } })).toThrow(
      /models\.gpt-5\.price\.output: .*expected number/,
    );
    // An intent bucket holds one kind.
    expect(bad({}, { intents: { 'chat-fast': { models: ['nano_banana'] } } })).toThrow(
      /intents\.chat-fast: mixes chat \(.+\) and image \(nano_banana\) models/,
    );
    expect(bad({ x: { kind: 'image', route: 'bfl/x', price: { perImage: 1 } } })).not.toThrow();
    expect(bad({ x: { kind: 'image' } })).toThrow(ConfigError);
  });
});

describe('intent routing keeps chat and media apart', () => {
  const { catalog } = loadConfig({ inline: {}, env: {} });
  const health = () => new MemoryHealthStore({ failureThreshold: 1, cooldownMs: 60_000 });
  const chatNeeds = { inputTokens: 10, outputTokens: 10, tools: false, images: false };
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error as GatewayError,
    );

  it('a media intent on a chat endpoint is a wrong-endpoint 400, and chat buckets hold no media model', async () => {
    const error = await rejection(
      resolveIntent(catalog, health(), 'text-to-image-fast', () => true, chatNeeds),
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe('wrong_endpoint');
    expect(error.message).toContain('POST /v1/images/generations');
    const chat = await resolveIntent(catalog, health(), 'chat-fast', () => true, chatNeeds);
    expect(catalog.resolve(chat.id)).toBeDefined();
  });

  it('picks the cheapest model of the bucket for this request, of the route kind and modality', async () => {
    const fast = await resolveMediaIntent(catalog, health(), 'text-to-image-fast', {
      kind: 'image',
      usage: { images: 1 },
    });
    expect(fast.id).toBe('gemini-3.1-fast-imagen');
    const edit = await resolveMediaIntent(catalog, health(), 'text-to-image-fast', {
      kind: 'image',
      modality: 'image-to-image',
      usage: { images: 1 },
    });
    expect(edit.modalities).toContain('image-to-image');
    expect(['flux-2-pro', 'doubao-seedream-4-0']).toContain(edit.id);

    const store = health();
    const video = await resolveMediaIntent(catalog, store, 'text-to-video-fast', {
      kind: 'video',
      usage: { clips: 1, seconds: 5 },
    });
    expect(video.price).toMatchObject({ perSecond: 5_000_000 });
    for (const route of video.routes) await store.recordFailure(targetKey(route));
    const next = await resolveMediaIntent(catalog, store, 'text-to-video-fast', {
      kind: 'video',
      usage: { clips: 1, seconds: 5 },
    });
    expect(next.id).not.toBe(video.id);
    expect(next.kind).toBe('video');
  });

  it('a chat or other-kind intent on a media route is refused, an unknown one lists the kind intents', async () => {
    const chat = await rejection(
      resolveMediaIntent(catalog, health(), 'chat-fast', { kind: 'image', usage: { images: 1 } }),
    );
    expect(chat.code).toBe('wrong_endpoint');
    expect(chat.message).toContain('/v1/chat/completions');
    const video = await rejection(
      resolveMediaIntent(catalog, health(), 'text-to-video-fast', { kind: 'image', usage: { images: 1 } }),
    );
    expect(video.code).toBe('wrong_endpoint');
    expect(video.message).toContain('POST /v1/videos/generate');
    const unknown = await rejection(
      resolveMediaIntent(catalog, health(), 'paint-like-monet', { kind: 'image', usage: { images: 1 } }),
    );
    expect(unknown.code).toBe('invalid_request');
    expect(unknown.details['available_intents']).toEqual([
      'image-edit',
      'text-to-image-fast',
      'text-to-image-quality',
    ]);
  });
});
