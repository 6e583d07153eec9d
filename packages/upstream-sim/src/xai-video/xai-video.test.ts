import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call, downloadMp4, until } from '../testing/video-client.ts';

let sim: UpstreamSim;
const KEY = 'xai-key-1234';
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], videoQueuedMs: 200, videoRunningMs: 200 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('xAI video generation', () => {
  it('request_id → 202 pending with progress → 200 done with video url, duration and cost', async () => {
    const created = await call(`${sim.url}/v1/videos/generations`, {
      headers: auth,
      body: {
        model: 'grok-imagine-video',
        prompt: 'a neon fox',
        duration: 6,
        aspect_ratio: '16:9',
        resolution: '480p',
      },
    });
    expect(created.status).toBe(200);
    const id = String(created.body['request_id']);
    const pending = await call(`${sim.url}/v1/videos/${id}`, { headers: auth });
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ status: 'pending' });
    const done = await until(async () => {
      const polled = await call(`${sim.url}/v1/videos/${id}`, { headers: auth });
      return polled.status === 200 ? polled.body : undefined;
    });
    expect(done).toMatchObject({
      status: 'done',
      progress: 100,
      model: 'grok-imagine-video',
      video: { duration: 6, respect_moderation: true },
      usage: { cost_in_usd_ticks: 6 * 500_000_000 },
    });
    const url = String((done['video'] as Record<string, unknown>)['url']);
    expect(await downloadMp4(url)).toMatchObject({ durationSeconds: 6, width: 854, height: 480 });
  });

  it('moderation empties the url; failures carry error.code; bad keys and unknown ids are refused', async () => {
    sim.videos.setTiming({ queuedMs: 0, runningMs: 0 });
    sim.videos.forceNext('moderated');
    const blocked = String(
      (await call(`${sim.url}/v1/videos/generations`, { headers: auth, body: { prompt: 'x' } })).body[
        'request_id'
      ],
    );
    expect((await call(`${sim.url}/v1/videos/${blocked}`, { headers: auth })).body).toMatchObject({
      status: 'done',
      video: { url: '', respect_moderation: false },
    });
    const failed = String(
      (
        await call(`${sim.url}/v1/videos/generations`, {
          headers: auth,
          body: { prompt: 'x [[sim:video_error]]' },
        })
      ).body['request_id'],
    );
    expect((await call(`${sim.url}/v1/videos/${failed}`, { headers: auth })).body).toMatchObject({
      status: 'failed',
      error: { code: 'internal_error' },
    });
    const wrong = await call(`${sim.url}/v1/videos/generations`, {
      headers: { authorization: 'Bearer nope' },
      body: { prompt: 'x' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({
      code: 'Client specified an invalid argument',
      error: 'Incorrect API key provided: no***pe. You can obtain an API key from https://console.x.ai.',
    });
    expect((await call(`${sim.url}/v1/videos/generations`, { body: { prompt: 'x' } })).status).toBe(401);
    const tooLong = await call(`${sim.url}/v1/videos/generations`, {
      headers: auth,
      body: { prompt: 'x', duration: 20 },
    });
    expect(tooLong.status).toBe(422);
    expect(
      (await call(`${sim.url}/v1/videos/00000000-0000-4000-8000-000000000000`, { headers: auth })).status,
    ).toBe(404);
  });

  it('a hanging task stays pending below 100', async () => {
    sim.videos.forceNext('hang');
    sim.videos.setTiming({ queuedMs: 0, runningMs: 10 });
    const id = String(
      (await call(`${sim.url}/v1/videos/generations`, { headers: auth, body: { prompt: 'x' } })).body[
        'request_id'
      ],
    );
    await new Promise((resolve) => setTimeout(resolve, 60));
    const polled = await call(`${sim.url}/v1/videos/${id}`, { headers: auth });
    expect(polled.status).toBe(202);
    expect(Number(polled.body['progress'])).toBeLessThan(100);
  });
});
