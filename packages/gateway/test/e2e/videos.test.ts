import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../src/billing/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

interface JobJson {
  id: string;
  jobId?: string;
  pollUrl?: string;
  status: string;
  model: string;
  kind: string;
  progress: number | null;
  costCredits: number | null;
  outputs: Array<{ url: string | null; fileId: string; contentType: string; seconds: number | null }>;
  error: { code: string; message: string } | null;
}

describe('POST /v1/videos/generate and the jobs API (Veo)', () => {
  let harness: Harness;
  let user: TestUser;
  const start = 1000;

  beforeAll(async () => {
    harness = await startHarness({
      config: {
        jobs: { tickMs: 20, maxPollIntervalMs: 30, leaseSeconds: 5 },
        routing: { retriesPerTarget: 1, backoffBaseMs: 10 },
        models: {
          'veo-quick-deadline': {
            kind: 'video',
            route: 'google/veo-3.1-fast-generate-preview',
            price: { perClip: 120 },
            videoRules: { durations: [4, 6, 8], defaultDuration: 8, deadlineMinutes: 0.01 },
          },
        },
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

  const call = (
    key: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const create = (body: unknown, headers?: Record<string, string>, who = user) =>
    call(who.key, 'POST', '/videos/generate', body, headers);
  const job = async (id: string, who = user): Promise<JobJson> =>
    (await (await call(who.key, 'GET', `/jobs/${id}`)).json()) as JobJson;
  const settled = async (id: string, who = user): Promise<JobJson> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const current = await job(id, who);
      if (!['queued', 'running'].includes(current.status)) return current;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${current.status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const spent = async (who: TestUser) => creditsToMicro(start) - (await harness.balancedBalance(who.user.id));
  const heldMicro = async (who: TestUser) =>
    Number(
      (
        await harness.db.get<{ held_micro: number }>('SELECT held_micro FROM users WHERE id = ?', [
          who.user.id,
        ])
      )?.held_micro,
    );
  const vendorCalls = () =>
    harness.sim.requests.filter((request) => request.path.includes('predictLongRunning'));

  it.each([
    'gemini_omni_flash',
    'Veo3.1-fast-official',
    'Veo3.1-quality-official',
    'veo3.1-fast',
    'veo3.1-quality',
  ])(
    '%s: 202 with a poll URL, polled to succeeded, the mp4 is the gateway’s own and billed per clip',
    async (model) => {
      const response = await create({
        model,
        prompt: 'a paper boat on a river',
        duration: 6,
        aspect_ratio: '9:16',
        resolution: '720P',
      });
      expect(response.status).toBe(202);
      const created = (await response.json()) as JobJson;
      expect(created.jobId).toMatch(/^job_/);
      expect(created.pollUrl).toBe(`/v1/jobs/${created.jobId}`);
      expect(['queued', 'running']).toContain(created.status);
      const polled = await call(user.key, 'GET', `/jobs/${created.jobId}`);
      if (['queued', 'running'].includes(((await polled.clone().json()) as JobJson).status))
        expect(polled.headers.get('retry-after')).toBe('5');
      const done = await settled(created.jobId!);
      expect(done.status).toBe('succeeded');
      expect(done.progress).toBe(100);
      expect(done.outputs).toHaveLength(1);
      const [output] = done.outputs;
      expect(output!.url).toContain(new URL(harness.baseUrl).host);
      expect(output!.seconds).toBe(6);
      const mp4 = Buffer.from(await (await fetch(output!.url!)).arrayBuffer());
      expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
      const price = model.includes('quality') ? 320 : 120;
      expect(done.costCredits).toBe(price);
      expect(await spent(user)).toBe(creditsToMicro(price));
      expect(await heldMicro(user)).toBe(0);
      // The vendor got Veo's own parameters.
      const sent = vendorCalls()[0]!.body as { parameters: Record<string, unknown> };
      expect(sent.parameters).toMatchObject({ aspectRatio: '9:16', durationSeconds: 6, resolution: '720p' });
      // The output is in the user's files as kind `output`.
      const files = (await (await call(user.key, 'GET', '/storage/files?kind=output')).json()) as {
        data: Array<{ id: string }>;
      };
      expect(files.data.map((file) => file.id)).toContain(output!.fileId);
    },
  );

  it.each([
    [{ duration: 5 }, 'duration'],
    [{ aspect_ratio: '1:1' }, 'aspect_ratio'],
    [{ resolution: '4K' }, 'resolution'],
    [{ image_urls: ['ftp://example.com/a.png'] }, 'image_urls[0]'],
    [{ image_urls: ['https://a.example/1.png', 'https://a.example/2.png'] }, 'image_urls'],
    [{ prompt: '' }, 'prompt'],
  ] as const)(
    'gemini_omni_flash refuses %o with a 400 naming %s, before any vendor call',
    async (extra, param) => {
      const response = await create({ model: 'gemini_omni_flash', prompt: 'a cat', ...extra });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { param: string } };
      expect(body.error.param).toBe(param);
      expect(vendorCalls()).toHaveLength(0);
      expect(await spent(user)).toBe(0);
    },
  );

  it('a chat or image model on the video route is a 400 pointing at its endpoint', async () => {
    const response = await create({ model: 'gpt-image-2', prompt: 'a cat' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      '/v1/images/generations',
    );
  });

  it('402 when the balance cannot cover the clip, before any vendor call', async () => {
    const poor = await harness.newUser(100);
    const response = await create({ model: 'gemini_omni_flash', prompt: 'a cat' }, {}, poor);
    expect(response.status).toBe(402);
    expect(vendorCalls()).toHaveLength(0);
    expect(await harness.balancedBalance(poor.user.id)).toBe(creditsToMicro(100));
  });

  it.each([
    ['[[sim:moderated]]', 'content_moderated'],
    ['[[sim:video_error]]', 'vendor_error'],
  ])('a vendor outcome %s fails the job as %s and refunds the hold exactly once', async (directive, code) => {
    const response = await create({ model: 'gemini_omni_flash', prompt: `a cat ${directive}` });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as JobJson;
    const done = await settled(jobId!);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe(code);
    expect(done.costCredits).toBe(0);
    expect(await spent(user)).toBe(0);
    expect(await heldMicro(user)).toBe(0);
    const holds = await harness.db.all<{ status: string }>('SELECT status FROM holds WHERE job_id = ?', [
      jobId!,
    ]);
    expect(holds).toEqual([{ status: 'released' }]);
  });

  it('a job that outlives its model’s deadline expires and is refunded', async () => {
    const response = await create({ model: 'veo-quick-deadline', prompt: 'a cat [[sim:hang]]' });
    const { jobId } = (await response.json()) as JobJson;
    const done = await settled(jobId!);
    expect(done.status).toBe('expired');
    expect(done.error?.code).toBe('timeout');
    expect(await spent(user)).toBe(0);
    expect(await heldMicro(user)).toBe(0);
  });

  it('cancel (POST …/cancel or DELETE) refunds once; a second cancel changes nothing', async () => {
    harness.sim.videos.setTiming({ queuedMs: 5_000, runningMs: 5_000 });
    for (const method of ['POST', 'DELETE'] as const) {
      const { jobId } = (await (
        await create({ model: 'gemini_omni_flash', prompt: 'slow' })
      ).json()) as JobJson;
      expect(await heldMicro(user)).toBe(creditsToMicro(120));
      const path = method === 'POST' ? `/jobs/${jobId}/cancel` : `/jobs/${jobId}`;
      const canceled = (await (await call(user.key, method, path)).json()) as JobJson;
      expect(canceled.status).toBe('canceled');
      const again = (await (await call(user.key, method, path)).json()) as JobJson;
      expect(again.status).toBe('canceled');
      expect(await heldMicro(user)).toBe(0);
      expect(await spent(user)).toBe(0);
    }
  });

  it('an Idempotency-Key returns the same job and holds once', async () => {
    const headers = { 'idempotency-key': 'same-clip-1' };
    const first = (await (
      await create({ model: 'gemini_omni_flash', prompt: 'a fox' }, headers)
    ).json()) as JobJson;
    const second = (await (
      await create({ model: 'gemini_omni_flash', prompt: 'a fox' }, headers)
    ).json()) as JobJson;
    expect(second.jobId).toBe(first.jobId);
    expect(vendorCalls()).toHaveLength(1);
    await settled(first.jobId!);
    expect(await spent(user)).toBe(creditsToMicro(120));
  });

  it('another user’s job is a 404, for reading, listing and cancelling', async () => {
    const { jobId } = (await (
      await create({ model: 'gemini_omni_flash', prompt: 'mine' })
    ).json()) as JobJson;
    const stranger = await harness.newUser(start);
    expect((await call(stranger.key, 'GET', `/jobs/${jobId}`)).status).toBe(404);
    expect((await call(stranger.key, 'POST', `/jobs/${jobId}/cancel`)).status).toBe(404);
    const listed = (await (await call(stranger.key, 'GET', '/jobs')).json()) as { data: JobJson[] };
    expect(listed.data).toHaveLength(0);
    await settled(jobId!);
  });

  it('GET /v1/jobs filters by state and model and pages by key', async () => {
    const ids: string[] = [];
    for (const prompt of ['one', 'two', 'three [[sim:video_error]]']) {
      ids.push(((await (await create({ model: 'gemini_omni_flash', prompt })).json()) as JobJson).jobId!);
    }
    for (const id of ids) await settled(id);
    const list = async (query: string) =>
      (await (await call(user.key, 'GET', `/jobs${query}`)).json()) as {
        data: JobJson[];
        hasMore: boolean;
        nextBefore: string | null;
      };
    expect((await list('?state=failed')).data.map((item) => item.id)).toEqual([ids[2]]);
    expect((await list('?model=gemini_omni_flash&kind=video')).data).toHaveLength(3);
    const page = await list('?limit=2');
    expect(page.data.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(page.hasMore).toBe(true);
    const rest = await list(`?limit=2&before=${page.nextBefore}`);
    expect(rest.data.map((item) => item.id)).toEqual([ids[0]]);
    expect((await call(user.key, 'GET', '/jobs?state=bogus')).status).toBe(400);
  });

  it('is served under /api/v1 too', async () => {
    const response = await fetch(`${harness.baseUrl.replace(/\/v1$/, '')}/api/v1/videos/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini_omni_flash', prompt: 'api prefix' }),
    });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as JobJson;
    expect((await settled(jobId!)).status).toBe('succeeded');
  });
});
