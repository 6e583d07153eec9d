import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APIUserAbortError, type Job, type JobOutput, NotFoundError } from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const outputFields = fieldsOf<JobOutput>()(['url', 'fileId', 'contentType', 'seconds']);

describe('client.jobs against the gateway', () => {
  let gw: SdkHarness;
  beforeAll(async () => {
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('list auto-paginates newest first across pages; await gives the first page', async () => {
    const { sdk } = await gw.newUser(2000);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push((await sdk.videos.generate({ model: 'gemini_omni_flash', prompt: `clip ${index}` })).id);
    }
    const first = await sdk.jobs.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.hasNextPage()).toBe(true);
    const all: Job[] = [];
    for await (const job of sdk.jobs.list({ limit: 2 })) all.push(job);
    expect(all.map((job) => job.id)).toEqual([...ids].reverse());
    const second = await first.getNextPage();
    expect(second?.data.map((job) => job.id)).toEqual([ids[2], ids[1]]);
    for (const id of ids) await sdk.jobs.wait(id, { pollInterval: 20 });
    const done = await sdk.jobs.list({ status: 'succeeded', kind: 'video', limit: 100 });
    expect(done.data).toHaveLength(5);
    expectFields(done.data[0]!.outputs[0], outputFields);
  });

  it('get, cancel (refunds the hold) and a 404 for an unknown or foreign job', async () => {
    const { sdk, user } = await gw.newUser(1000);
    gw.harness.sim.videos.setTiming({ queuedMs: 5_000, runningMs: 5_000 });
    try {
      const job = await sdk.videos.generate({ model: 'gemini_omni_flash', prompt: 'slow' });
      expect((await sdk.jobs.get(job.id)).status).toMatch(/queued|running/);
      const canceled = await sdk.jobs.cancel(job.id);
      expect(canceled.status).toBe('canceled');
      expect(canceled.heldCredits).toBe(0);
      expect(await gw.harness.balancedBalance(user.id)).toBe(1000 * 1_000_000);
      const other = await gw.newUser(1000);
      await expect(other.sdk.jobs.get(job.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(sdk.jobs.get('job_nope')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    } finally {
      gw.harness.sim.videos.setTiming({ queuedMs: 20, runningMs: 60 });
    }
  });

  it('wait backs off between polls and stops on its AbortSignal (the job goes on)', async () => {
    const { sdk } = await gw.newUser(1000);
    gw.harness.sim.videos.setTiming({ queuedMs: 5_000, runningMs: 5_000 });
    try {
      const job = await sdk.videos.generate({ model: 'gemini_omni_flash', prompt: 'slow' });
      const polls: number[] = [];
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 700);
      const waited = await sdk.jobs
        .wait(job.id, {
          signal: controller.signal,
          pollInterval: 50,
          onProgress: () => polls.push(Date.now()),
        })
        .catch((error: unknown) => error);
      expect(waited).toBeInstanceOf(APIUserAbortError);
      // 50, 75, 112, 168, 253… ms: fewer polls than a fixed 50 ms interval would make, gaps growing.
      expect(polls.length).toBeGreaterThan(3);
      expect(polls.length).toBeLessThan(12);
      const gaps = polls.slice(1).map((at, index) => at - polls[index]!);
      expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
      expect((await sdk.jobs.get(job.id)).status).toMatch(/queued|running/);
      await sdk.jobs.cancel(job.id);
    } finally {
      gw.harness.sim.videos.setTiming({ queuedMs: 20, runningMs: 60 });
    }
  });
});
