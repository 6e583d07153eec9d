import { readMp4Info } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../src/billing/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

interface JobJson {
  id: string;
  jobId?: string;
  status: string;
  costCredits: number | null;
  outputs: Array<{ url: string | null; fileId: string; seconds: number | null }>;
  error: { code: string; message: string } | null;
}

/** One video id per vendor family, a request it accepts, and what it costs (credits). */
const vendors = [
  {
    model: 'doubao-seedance-1-0-pro-fast',
    body: { duration: 4, aspect_ratio: '16:9', resolution: '480P' },
    seconds: 4,
    credits: 4 * 5,
    path: '/contents/generations/tasks',
  },
  {
    model: 'kling-2-6',
    body: { duration: 10, aspect_ratio: '9:16', resolution: '1080P' },
    seconds: 10,
    credits: 10 * 7,
    path: '/v1/videos/text2video',
  },
  {
    model: 'MiniMax-Hailuo-02',
    body: { duration: 6, resolution: '768P' },
    seconds: 6,
    credits: 6 * 5,
    path: '/v1/video_generation',
  },
  {
    model: 'wan2.6',
    body: { duration: 5, aspect_ratio: '16:9', resolution: '720P' },
    seconds: 5,
    credits: 5 * 10,
    path: '/video-generation/video-synthesis',
  },
  {
    model: 'vidu-q3-pro',
    body: { duration: 8, aspect_ratio: '1:1', resolution: '720P' },
    seconds: 8,
    credits: 50,
    path: '/ent/v2/text2video',
  },
  {
    model: 'grok-video-3',
    body: { duration: 6, aspect_ratio: '16:9', resolution: '720P' },
    seconds: 6,
    credits: 50,
    path: '/v1/videos/generations',
  },
];

describe('POST /v1/videos/generate through every non-Veo vendor adapter', () => {
  let harness: Harness;
  let user: TestUser;
  const start = 1000;

  beforeAll(async () => {
    harness = await startHarness({
      config: {
        jobs: { tickMs: 20, maxPollIntervalMs: 30, leaseSeconds: 5 },
        routing: { retriesPerTarget: 1, backoffBaseMs: 10 },
      },
    });
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(async () => {
    harness.sim.reset();
    harness.sim.videos.setTiming({ queuedMs: 30, runningMs: 60 });
    user = await harness.newUser(start);
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const settled = async (id: string): Promise<JobJson> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const current = (await (await call('GET', `/jobs/${id}`)).json()) as JobJson;
      if (!['queued', 'running'].includes(current.status)) return current;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${current.status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const spent = async () => creditsToMicro(start) - (await harness.balancedBalance(user.user.id));
  const held = async () =>
    Number(
      (
        await harness.db.get<{ held_micro: number }>('SELECT held_micro FROM users WHERE id = ?', [
          user.user.id,
        ])
      )?.held_micro,
    );
  const vendorSubmits = (path: string) =>
    harness.sim.requests.filter((request) => request.method === 'POST' && request.path.endsWith(path));

  it.each(vendors)(
    '$model: the job completes, the mp4 downloads from the gateway’s link with the asked length, billed once',
    async ({ model, body, seconds, credits, path }) => {
      const response = await call('POST', '/videos/generate', { model, prompt: 'a paper boat', ...body });
      expect(response.status).toBe(202);
      const { jobId } = (await response.json()) as JobJson;
      const done = await settled(jobId!);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.outputs).toHaveLength(1);
      const link = done.outputs[0]!.url!;
      expect(new URL(link).host).toBe(new URL(harness.baseUrl).host);
      const download = await fetch(link);
      expect(download.status).toBe(200);
      const info = readMp4Info(new Uint8Array(await download.arrayBuffer()));
      expect(info.durationSeconds).toBe(seconds);
      expect(done.costCredits).toBe(credits);
      expect(await spent()).toBe(creditsToMicro(credits));
      expect(await held()).toBe(0);
      expect(vendorSubmits(path)).toHaveLength(1);
    },
  );

  it.each(vendors)(
    '$model: a moderated output fails the job and refunds the hold',
    async ({ model, body }) => {
      const response = await call('POST', '/videos/generate', {
        model,
        prompt: 'a boat [[sim:moderated]]',
        ...body,
      });
      expect(response.status).toBe(202);
      const done = await settled(((await response.json()) as JobJson).jobId!);
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('content_moderated');
      expect(await spent()).toBe(0);
      expect(await held()).toBe(0);
    },
  );

  it('MiniMax-Hailuo-02 refuses 10 s at 1080P with a 400 naming duration, before any vendor call', async () => {
    const response = await call('POST', '/videos/generate', {
      model: 'MiniMax-Hailuo-02',
      prompt: 'a boat',
      duration: 10,
      resolution: '1080P',
    });
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { param: string; message: string } }).error;
    expect(error.param).toBe('duration');
    expect(error.message).toMatch(/at most 6 s at 1080P/);
    expect(vendorSubmits('/v1/video_generation')).toHaveLength(0);
    expect(await spent()).toBe(0);
  });

  it('Seedance: canceling a queued job refunds it and cancels the Ark task (DELETE)', async () => {
    harness.sim.videos.setTiming({ queuedMs: 10_000 });
    const response = await call('POST', '/videos/generate', {
      model: 'doubao-seedance-1-0-pro-fast',
      prompt: 'a boat',
      duration: 5,
    });
    const { jobId } = (await response.json()) as JobJson;
    const canceled = await call('POST', `/jobs/${jobId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(((await canceled.json()) as JobJson).status).toBe('canceled');
    expect(await spent()).toBe(0);
    expect(await held()).toBe(0);
    const deadline = Date.now() + 5_000;
    while (!harness.sim.requests.some((request) => request.method === 'DELETE') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(harness.sim.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it('Seedance: a 503 from BytePlus ModelArk fails over to Volcengine Ark on create; billed once', async () => {
    harness.sim.addFault({ match: { model: 'seedance-1-0-pro-fast' }, status: 503, times: 5 });
    const response = await call('POST', '/videos/generate', {
      model: 'doubao-seedance-1-0-pro-fast',
      prompt: 'a boat',
      duration: 4,
    });
    expect(response.status).toBe(202);
    const done = await settled(((await response.json()) as JobJson).jobId!);
    expect(done.status).toBe('succeeded');
    const models = vendorSubmits('/contents/generations/tasks').map(
      (request) => (request.body as { model: string }).model,
    );
    expect(models.at(-1)).toBe('doubao-seedance-1-0-pro-fast');
    expect(models).toContain('seedance-1-0-pro-fast');
    expect(await spent()).toBe(creditsToMicro(4 * 5));
    expect(await held()).toBe(0);
  });
});
