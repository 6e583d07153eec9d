import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { rollupNow, UsageRollup } from '../../src/usage/rollup-runner.ts';
import { postgresUrl, sharedDatabase } from '../helpers/databases.ts';

/**
 * A replica's pass under way: `db` holds the rollup lock (this resolves once it does) until
 * `release()`; `done` is what its `unlessBusy` gave.
 */
async function passHolding<T>(
  db: Database,
  result: T,
): Promise<{ release: () => void; done: Promise<T | undefined> }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = () => {};
  const running = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const done = db.unlessBusy('usage-rollup', async () => {
    holding();
    await held;
    return result;
  });
  await running;
  return { release, done };
}

/** Periodic work every replica starts but one is enough: the usage rollup's pass. */
describe.skipIf(!postgresUrl)('one replica at a time (unlessBusy) on postgres', () => {
  let handles: Database[] = [];
  afterEach(async () => {
    await Promise.all(handles.map((db) => db.close()));
    handles = [];
  });

  it('runs the work on one replica while another is in it, and on either once it is free', async () => {
    const [first, second] = await sharedDatabase('postgres');
    handles = [first, second];
    const { release, done: long } = await passHolding(first, 'first ran');
    // The other replica (another connection, another session) skips at once; another name is free.
    expect(await second.unlessBusy('usage-rollup', async () => 'second ran')).toBeUndefined();
    expect(await second.unlessBusy('something-else', async () => 'other work ran')).toBe('other work ran');
    release();
    expect(await long).toBe('first ran');
    expect(await second.unlessBusy('usage-rollup', async () => 'second ran')).toBe('second ran');
    // A failure inside still frees the lock.
    await expect(
      first.unlessBusy('usage-rollup', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await second.unlessBusy('usage-rollup', async () => 'free again')).toBe('free again');
  });

  it("a replica's rollup timer skips its turn while another replica's pass holds the lock", async () => {
    const [first, second] = await sharedDatabase('postgres');
    handles = [first, second];
    const { release, done: busy } = await passHolding(first, 'replica ran');
    const runs: unknown[] = [];
    const errors: unknown[] = [];
    const rollup = new UsageRollup({
      db: second,
      intervalMs: 50,
      marginMs: 60 * 60_000,
      onRun: (run) => runs.push(run),
      onError: (error) => errors.push(error),
    });
    rollup.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(runs).toHaveLength(0);
    release();
    await busy;
    await expect.poll(() => runs.length, { timeout: 5_000 }).toBeGreaterThan(0);
    await rollup.stop();
    expect(errors).toEqual([]);
  });

  it("the CLI's rollup (and --rebuild) waits for a replica's pass under way, then runs in the lock", async () => {
    const [first, second] = await sharedDatabase('postgres');
    handles = [first, second];
    // The replica's pass has the lock before the CLI asks for it.
    const { release, done: busy } = await passHolding(first, 'replica ran');
    let done = false;
    const cli = rollupNow(second, { rebuild: true, marginMs: 60 * 60_000, retryMs: 20 }).then((run) => {
      done = true;
      return run;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Neither skipped nor run beside the replica's pass: still waiting.
    expect(done).toBe(false);
    release();
    await busy;
    const run = await cli;
    expect(run.throughDay).toBeGreaterThan(0);
    // And it held the lock while it ran: afterwards the lock is free again.
    expect(await first.unlessBusy('usage-rollup', async () => 'free')).toBe('free');
  });
});
