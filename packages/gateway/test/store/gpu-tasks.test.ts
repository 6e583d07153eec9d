import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import {
  cancelTask,
  createWorkerToken,
  enqueueTask,
  finishTask,
  getTask,
  registerWorker,
  releaseUnlisted,
  revokeWorkerToken,
  sweepTasks,
  takeStops,
  takeTask,
} from '../../src/gpu/self-hosted/index.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';

const ping = 1_000;

describe.each(engines)('self-hosted GPU task queue (%s)', (engine) => {
  let db: Database;
  let tokenId: string;
  beforeAll(async () => {
    db = await freshDatabase(engine);
    tokenId = (await createWorkerToken(db, 'store')).record.id;
  });
  afterAll(() => db.close());

  const newWorker = async (serves: string[]) =>
    (await registerWorker(db, { tokenId, name: 'w', image: null, serves })).worker.id;
  const lastSeen = (workerId: string, at: number) =>
    db.run('UPDATE gpu_workers SET last_seen_at = ? WHERE id = ?', [at, workerId]);

  it('hands out the oldest task of a served endpoint, and only its holder may finish it', async () => {
    const holder = await newWorker(['ep-a']);
    const other = await newWorker(['ep-b']);
    const first = await enqueueTask(db, { endpointId: 'ep-a', input: { n: 1 }, executionTimeoutMs: 60_000 });
    await enqueueTask(db, { endpointId: 'ep-a', input: { n: 2 }, executionTimeoutMs: 60_000 });
    expect(await takeTask(db, other, ['ep-b'])).toBeUndefined();
    const taken = await takeTask(db, holder, ['ep-a']);
    expect(taken).toMatchObject({ id: first.id, state: 'running', worker_id: holder });
    expect(await finishTask(db, other, first.id, { output: { stolen: true } })).toBe(false);
    expect(await finishTask(db, holder, first.id, { output: { ok: true } })).toBe(true);
    expect(await finishTask(db, holder, first.id, { output: { twice: true } })).toBe(false);
    expect(JSON.parse((await getTask(db, first.id))!.output!)).toEqual({ ok: true });
  });

  it('requeues a dead worker’s task once, then fails it as worker_lost', async () => {
    const task = await enqueueTask(db, { endpointId: 'ep-lost', input: {}, executionTimeoutMs: 60_000 });
    for (const round of [1, 2]) {
      const worker = await newWorker(['ep-lost']);
      expect((await takeTask(db, worker, ['ep-lost']))?.id).toBe(task.id);
      const now = Date.now();
      await lastSeen(worker, now - 3 * ping - 1);
      await sweepTasks(db, now, ping);
      const after = await getTask(db, task.id);
      if (round === 1) expect(after).toMatchObject({ state: 'queued', worker_id: null });
      else expect(after?.error).toMatch(/^worker_lost/);
      expect(after?.state).toBe(round === 1 ? 'queued' : 'failed');
    }
  });

  it('leaves a live worker’s task alone, gives back what a heartbeat no longer lists, and only after one interval', async () => {
    const worker = await newWorker(['ep-held']);
    const task = await enqueueTask(db, { endpointId: 'ep-held', input: {}, executionTimeoutMs: 60_000 });
    await takeTask(db, worker, ['ep-held']);
    await sweepTasks(db, Date.now(), ping);
    expect((await getTask(db, task.id))?.state).toBe('running');
    // Taken just now: a ping that raced the take does not release it.
    expect(await releaseUnlisted(db, worker, [], Date.now() - ping)).toBe(0);
    expect(await releaseUnlisted(db, worker, [task.id], Date.now() + 1)).toBe(0);
    expect(await releaseUnlisted(db, worker, [], Date.now() + 1)).toBe(1);
    expect((await getTask(db, task.id))?.state).toBe('queued');
  });

  it('cancels queued and running tasks; a running one’s worker is told once', async () => {
    const worker = await newWorker(['ep-cancel']);
    const queued = await enqueueTask(db, { endpointId: 'ep-cancel', input: {}, executionTimeoutMs: 60_000 });
    const running = await enqueueTask(db, { endpointId: 'ep-cancel', input: {}, executionTimeoutMs: 60_000 });
    expect((await takeTask(db, worker, ['ep-cancel']))?.id).toBe(queued.id);
    expect(await cancelTask(db, running.id)).toBe(true); // still queued
    expect(await cancelTask(db, queued.id)).toBe(true); // running on `worker`
    expect(await cancelTask(db, queued.id)).toBe(false);
    expect(await takeStops(db, worker)).toEqual([queued.id]);
    expect(await takeStops(db, worker)).toEqual([]);
    expect((await getTask(db, running.id))?.state).toBe('canceled');
    expect(await takeTask(db, worker, ['ep-cancel'])).toBeUndefined();
  });

  it('times out a task past its execution timeout (telling the worker) and a queued one past its TTL', async () => {
    const worker = await newWorker(['ep-time']);
    const slow = await enqueueTask(db, { endpointId: 'ep-time', input: {}, executionTimeoutMs: 50 });
    await takeTask(db, worker, ['ep-time']);
    const stale = await enqueueTask(db, {
      endpointId: 'ep-time',
      input: {},
      executionTimeoutMs: 60_000,
      ttlMs: 50,
    });
    await sweepTasks(db, Date.now() + 100, 60_000);
    expect(await getTask(db, slow.id)).toMatchObject({ state: 'timed_out', stop_pending: 1 });
    expect(await getTask(db, stale.id)).toMatchObject({ state: 'timed_out' });
    expect(await takeStops(db, worker)).toEqual([slow.id]);
  });

  it('deletes finished tasks after the retention time, never queued or running ones', async () => {
    const worker = await newWorker(['ep-old']);
    const done = await enqueueTask(db, { endpointId: 'ep-old', input: {}, executionTimeoutMs: 60_000 });
    await takeTask(db, worker, ['ep-old']);
    await finishTask(db, worker, done.id, { output: {} });
    const waiting = await enqueueTask(db, { endpointId: 'ep-old', input: {}, executionTimeoutMs: 60_000 });
    await sweepTasks(db, Date.now(), 10 * 60 * 60 * 1000, 1_000);
    expect(await getTask(db, done.id)).toBeDefined();
    await sweepTasks(db, Date.now() + 2_000, 10 * 60 * 60 * 1000, 1_000);
    expect(await getTask(db, done.id)).toBeUndefined();
    expect(await getTask(db, waiting.id)).toBeDefined();
  });

  it('gives a worker of a revoked token nothing', async () => {
    const { record } = await createWorkerToken(db, 'doomed');
    const worker = (
      await registerWorker(db, { tokenId: record.id, name: 'x', image: null, serves: ['ep-rev'] })
    ).worker.id;
    const task = await enqueueTask(db, { endpointId: 'ep-rev', input: {}, executionTimeoutMs: 60_000 });
    expect(await revokeWorkerToken(db, record.id)).toBe(true);
    expect(await takeTask(db, worker, ['ep-rev'])).toBeUndefined();
    expect((await getTask(db, task.id))?.state).toBe('queued');
  });
});
