import { setTimeout as delay } from 'node:timers/promises';
import type { GenerateVideosOperation } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { apiError, geminiClient, startSimWithGemini } from '../testing/gemini-client.ts';
import { call, downloadMp4 } from '../testing/video-client.ts';

let sim: UpstreamSim;
let client: ReturnType<typeof geminiClient>;
const KEY = 'veo-key';

beforeAll(async () => {
  ({ sim, client } = await startSimWithGemini(
    { apiKeys: [KEY], videoQueuedMs: 30, videoRunningMs: 60 },
    KEY,
  ));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function settle(operation: GenerateVideosOperation): Promise<GenerateVideosOperation> {
  let current = operation;
  for (let attempt = 0; attempt < 100 && !current.done; attempt += 1) {
    await delay(20);
    current = await client.operations.getVideosOperation({ operation: current });
  }
  return current;
}

describe('Veo on the Gemini API, through @google/genai', () => {
  it('generateVideos → operation, polled until done, with a downloadable MP4 of the asked length', async () => {
    const operation = await client.models.generateVideos({
      model: 'veo-3.1-generate-preview',
      source: { prompt: 'a lighthouse at dusk' },
      config: { durationSeconds: 6, aspectRatio: '9:16' },
    });
    expect(operation.name).toMatch(/^models\/veo-3\.1-generate-preview\/operations\/[a-z0-9]+$/);
    expect(operation.done).toBeFalsy();

    const done = await settle(operation);
    expect(done.done).toBe(true);
    expect(done.error).toBeUndefined();
    const uri = done.response?.generatedVideos?.[0]?.video?.uri ?? '';
    expect(uri).toMatch(/\/v1beta\/files\/[a-z0-9]+:download\?alt=media$/);

    // Without the key the file is refused; with it the API redirects to a signed link.
    expect((await call(uri)).status).toBe(403);
    const redirect = await call(uri, { headers: { 'x-goog-api-key': KEY } });
    expect(redirect.status).toBe(302);
    const video = await downloadMp4(uri, { 'x-goog-api-key': KEY });
    expect(video).toMatchObject({ majorBrand: 'isom', durationSeconds: 6, width: 720, height: 1280 });
    expect(video.contentType).toBe('video/mp4');
    // `?key=` works as well as the header.
    expect((await downloadMp4(`${uri}&key=${KEY}`)).durationSeconds).toBe(6);
  });

  it('sends the documented wire shape: instances[0].prompt and parameters', async () => {
    await client.models.generateVideos({
      model: 'veo-3.1-fast-generate-preview',
      prompt: 'waves',
      config: { durationSeconds: 8, resolution: '1080p', negativePrompt: 'people' },
    });
    const request = sim.requests.at(-1);
    expect(request?.path).toBe('/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning');
    expect(request?.headers['x-goog-api-key']).toBe(KEY);
    expect(request?.body).toMatchObject({
      instances: [{ prompt: 'waves' }],
      parameters: { durationSeconds: 8, resolution: '1080p', negativePrompt: 'people' },
    });
  });

  it('rejects bad parameters, unknown models and bad keys in Google’s envelope', async () => {
    const bad = await apiError(
      client.models.generateVideos({
        model: 'veo-3.1-generate-preview',
        prompt: 'x',
        config: { durationSeconds: 5 },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('durationSeconds');
    const tooLong = await apiError(
      client.models.generateVideos({
        model: 'veo-3.1-generate-preview',
        prompt: 'x',
        config: { durationSeconds: 4, resolution: '1080p' },
      }),
    );
    expect(tooLong.status).toBe(400);
    expect(
      (await apiError(client.models.generateVideos({ model: 'gemini-2.5-flash', prompt: 'x' }))).status,
    ).toBe(404);
    const wrongKey = await apiError(
      geminiClient(sim, 'nope').models.generateVideos({ model: 'veo-3.1-generate-preview', prompt: 'x' }),
    );
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.message).toContain('API_KEY_INVALID');
  });

  it('a failed task is done with an error; a blocked one has no samples and the RAI reasons', async () => {
    const failed = await settle(
      await client.models.generateVideos({
        model: 'veo-3.1-generate-preview',
        prompt: 'boom [[sim:video_error]]',
      }),
    );
    expect(failed.done).toBe(true);
    expect(failed.error).toMatchObject({ code: 13 });
    sim.videos.forceNext('moderated');
    const blocked = await settle(
      await client.models.generateVideos({ model: 'veo-3.1-generate-preview', prompt: 'x' }),
    );
    expect(blocked.response?.generatedVideos).toBeUndefined();
    expect(blocked.response?.raiMediaFilteredCount).toBe(1);
    expect(blocked.response?.raiMediaFilteredReasons?.length).toBe(1);
  });

  it('a hanging task never finishes; an unknown operation is NOT_FOUND; expired files are refused', async () => {
    sim.videos.forceNext('hang');
    const hanging = await client.models.generateVideos({ model: 'veo-3.1-generate-preview', prompt: 'x' });
    await delay(150);
    expect((await client.operations.getVideosOperation({ operation: hanging })).done).toBeFalsy();
    const missing = await call(`${sim.url}/v1beta/models/veo-3.1-generate-preview/operations/zzz`, {
      headers: { 'x-goog-api-key': KEY },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { status: 'NOT_FOUND' } });

    const done = await settle(
      await client.models.generateVideos({ model: 'veo-3.1-generate-preview', prompt: 'y' }),
    );
    const uri = done.response?.generatedVideos?.[0]?.video?.uri ?? '';
    const location = (await call(uri, { headers: { 'x-goog-api-key': KEY } })).headers.get('location') ?? '';
    expect(sim.expireMediaUrls()).toBeGreaterThan(0);
    expect((await call(uri, { headers: { 'x-goog-api-key': KEY } })).status).toBe(403);
    expect((await fetch(location)).status).toBe(403);
  });
});
