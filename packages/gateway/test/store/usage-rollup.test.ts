import { afterEach, describe, expect, it, vi } from 'vitest';
import { seeded } from '../../bench/bodies.ts';
import { createUser } from '../../src/accounts/index.ts';
import type { Database } from '../../src/db/index.ts';
import { newId } from '../../src/ids.ts';
import { costByModel, dailyCost, type UsageFilter, usageCount } from '../../src/usage/analytics.ts';
import {
  closedThroughDay,
  insertRequestLog,
  type RequestLogEntry,
  type RollupRun,
  readRolledThroughDay,
  resetUsageRollup,
  runUsageRollup,
  UsageRollup,
} from '../../src/usage/index.ts';
import { dayMs, planWindow } from '../../src/usage/usage-filter.ts';
import { engines, freshDatabase, sharedDatabase } from '../helpers/databases.ts';

/** A fixed clock: 13:27:41.250 UTC, so window edges fall mid-day. */
const now = Date.UTC(2026, 5, 15, 13, 27, 41, 250);
const today = Math.floor(now / dayMs);

interface Fixture {
  users: string[];
  orgId: string;
  keys: string[];
  rows: RequestLogEntry[];
}

const models = ['gpt-4o-mini', 'claude-sonnet-4-6', 'deepseek-v3.2', '', null];
const statuses = [200, 200, 200, 200, 400, 402, 429, 500, 502];
const endpoints = ['/v1/chat/completions', '/v1/messages', '/v1/images/generations'];

function logRow(fields: Partial<RequestLogEntry> & { createdAt: number }): RequestLogEntry {
  return {
    id: newId('req'),
    userId: null,
    keyId: null,
    orgId: null,
    endpoint: endpoints[0]!,
    model: 'gpt-4o-mini',
    provider: 'sim',
    upstreamModel: null,
    status: 200,
    stream: false,
    latencyMs: 5,
    promptTokens: 10,
    completionTokens: 20,
    cachedTokens: 0,
    reasoningTokens: 0,
    usageSource: 'upstream',
    costMicro: 1000,
    errorCode: null,
    errorMessage: null,
    ...fields,
  };
}

/** Random calls over 40 days by three users, personal and on one org's keys, some with no user, key or model. */
async function fill(db: Database, count: number, seed = 7): Promise<Fixture> {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const users: string[] = [];
  for (let n = 0; n < 3; n++)
    users.push((await createUser(db, { email: `u${n}-${newId('x')}@example.com` })).id);
  const orgId = newId('org');
  const keys = ['key_a', 'key_b', 'key_c', 'key_d'];
  const rows: RequestLogEntry[] = [];
  for (let n = 0; n < count; n++) {
    const onOrg = random() < 0.3;
    const userId = random() < 0.03 ? null : pick(users);
    // Some rows exactly on a midnight or a millisecond either side of it, where the split is.
    const edge = random();
    const day = today - Math.floor(random() * 40);
    const createdAt =
      edge < 0.05
        ? day * dayMs
        : edge < 0.1
          ? day * dayMs - 1
          : edge < 0.15
            ? day * dayMs + 1
            : now - Math.floor(random() * 40 * dayMs);
    rows.push(
      logRow({
        userId,
        orgId: onOrg ? orgId : null,
        keyId: random() < 0.1 ? null : pick(keys),
        endpoint: pick(endpoints),
        model: pick(models),
        status: pick(statuses),
        costMicro: Math.floor(random() * 50_000),
        promptTokens: Math.floor(random() * 1000),
        completionTokens: Math.floor(random() * 1000),
        imageCount: random() < 0.1 ? 2 : 0,
        createdAt: Math.min(createdAt, now),
      }),
    );
  }
  await db.transaction(async (tx) => {
    for (const row of rows) await insertRequestLog(tx, row);
  });
  return { users, orgId, keys, rows };
}

async function totals(db: Database, filter: UsageFilter, rolledThroughDay?: number) {
  return {
    count: await usageCount(db, filter, rolledThroughDay),
    byModel: await costByModel(db, filter, rolledThroughDay),
    daily: await dailyCost(db, filter, now, rolledThroughDay),
  };
}

function filtersOf(fixture: Fixture): UsageFilter[] {
  const [alice, bob, carol] = fixture.users as [string, string, string];
  const scopes: Array<Pick<UsageFilter, 'userId' | 'orgId'>> = [
    { userId: alice },
    { userId: bob },
    { userId: carol },
    { orgId: fixture.orgId },
    { orgId: fixture.orgId, userId: alice },
  ];
  const windows = [
    now - 1 * dayMs,
    now - 2 * dayMs,
    now - 7 * dayMs,
    now - 30 * dayMs,
    now - 45 * dayMs,
    (today - 10) * dayMs,
    (today - 10) * dayMs + 1,
    (today - 10) * dayMs - 1,
    0,
  ];
  const narrow: Array<Partial<UsageFilter>> = [
    {},
    { model: 'claude-sonnet-4-6' },
    { status: '5xx' },
    { status: '4xx' },
    { status: '429' },
    { keyId: 'key_b' },
    { endpoint: '/v1/messages' },
    { model: 'gpt-4o-mini', status: '200', keyId: 'key_a' },
    { q: 'sonnet' },
  ];
  const filters: UsageFilter[] = [];
  for (const scope of scopes)
    for (const sinceMs of windows) for (const more of narrow) filters.push({ ...scope, sinceMs, ...more });
  return filters;
}

async function rollupTable(db: Database): Promise<unknown[]> {
  const rows = await db.all<Record<string, unknown>>(
    'SELECT * FROM usage_daily ORDER BY user_id, day, org_id, key_id, endpoint, model_null, model, status',
  );
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([name, value]) => [name, String(value)])),
  );
}

describe.each(engines)('usage rollup on %s', (engine) => {
  const opened: Database[] = [];
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
  });
  const open = async () => {
    const db = await freshDatabase(engine);
    opened.push(db);
    return db;
  };

  it('answers every filter, scope and window edge exactly as the raw rows do', async () => {
    const db = await open();
    const fixture = await fill(db, 2500);
    const run = await runUsageRollup(db, { now, pauseRatio: 0 });
    expect(run.complete).toBe(true);
    // 13:27 with a one-hour margin: yesterday is the last closed day.
    expect(run.throughDay).toBe(today - 1);
    expect(await readRolledThroughDay(db)).toBe(today - 1);
    expect(run.owners).toBe(4); // three users and the rows with none
    let fromRollup = 0;
    for (const filter of filtersOf(fixture)) {
      const raw = await totals(db, filter);
      const rolled = await totals(db, filter, today - 1);
      expect(rolled, JSON.stringify(filter)).toEqual(raw);
      if (planWindow(filter, today - 1).rollupDays) fromRollup++;
    }
    // Everything but `q` and the one-day windows (no whole closed day inside) used the rollup.
    expect(fromRollup).toBeGreaterThan(250);
    expect(
      planWindow({ userId: 'u', sinceMs: now - 30 * dayMs, q: 'x' }, today - 1).rollupDays,
    ).toBeUndefined();
  });

  it('keeps each owner to their own calls: a user never sees another user’s or an org’s totals', async () => {
    const db = await open();
    const fixture = await fill(db, 1500, 11);
    await runUsageRollup(db, { now, pauseRatio: 0 });
    const sinceMs = now - 45 * dayMs;
    const expected = (keep: (row: RequestLogEntry) => boolean) => {
      const rows = fixture.rows.filter((row) => row.createdAt >= sinceMs && keep(row));
      return { count: rows.length, cost: rows.reduce((sum, row) => sum + row.costMicro, 0) };
    };
    const answered = async (filter: UsageFilter) => {
      const byModel = await costByModel(db, filter, today - 1);
      return {
        count: await usageCount(db, filter, today - 1),
        cost: byModel.reduce((sum, entry) => sum + entry.costMicro, 0),
      };
    };
    for (const userId of fixture.users) {
      expect(await answered({ userId, sinceMs })).toEqual(
        expected((row) => row.userId === userId && !row.orgId),
      );
      expect(await answered({ userId, orgId: fixture.orgId, sinceMs })).toEqual(
        expected((row) => row.userId === userId && row.orgId === fixture.orgId),
      );
    }
    // The org sees its keys' calls, those with no user among them, and no personal call.
    expect(await answered({ orgId: fixture.orgId, sinceMs })).toEqual(
      expected((row) => row.orgId === fixture.orgId),
    );
    expect(await answered({ orgId: 'org_other', sinceMs })).toEqual({ count: 0, cost: 0 });
    expect(await answered({ userId: 'usr_nobody', sinceMs })).toEqual({ count: 0, cost: 0 });
  });

  it('counts a row logged late into a day not yet closed, and never closes a day an open hold started in', async () => {
    const db = await open();
    const fixture = await fill(db, 400, 3);
    const alice = fixture.users[0]!;
    const filter: UsageFilter = { userId: alice, sinceMs: now - 10 * dayMs };
    // A stream that started three days ago is still running: its hold is open.
    const holdStart = (today - 3) * dayMs + 5 * 3_600_000;
    await db.run(
      "INSERT INTO holds (id, user_id, request_id, amount_micro, status, created_at) VALUES (?, ?, ?, 0, 'open', ?)",
      [newId('hold'), alice, 'req_long_stream', holdStart],
    );
    expect(await closedThroughDay(db, now, 3_600_000)).toBe(today - 4);
    const first = await runUsageRollup(db, { now, pauseRatio: 0 });
    expect(first.throughDay).toBe(today - 4);
    const before = await usageCount(db, filter, first.throughDay);
    // The stream ends and is logged with the time it started; another call is logged for today.
    await insertRequestLog(db, logRow({ userId: alice, createdAt: holdStart, costMicro: 777 }));
    await insertRequestLog(db, logRow({ userId: alice, createdAt: now - 60_000, costMicro: 5 }));
    await db.run("UPDATE holds SET status = 'settled' WHERE request_id = 'req_long_stream'");
    const watermark = await readRolledThroughDay(db);
    expect(await usageCount(db, filter, watermark)).toBe(before + 2);
    expect(await totals(db, filter, watermark)).toEqual(await totals(db, filter));
    // The next run closes those days, with the late row in them.
    const second = await runUsageRollup(db, { now, pauseRatio: 0 });
    expect(second.throughDay).toBe(today - 1);
    expect(await usageCount(db, filter, today - 1)).toBe(before + 2);
    expect(await totals(db, filter, today - 1)).toEqual(await totals(db, filter));
    const late = (await dailyCost(db, filter, now, today - 1)).find(
      (day) => day.date === new Date(holdStart).toISOString().slice(0, 10),
    );
    expect(late?.costMicro).toBe(
      fixture.rows
        .filter(
          (row) => row.userId === alice && !row.orgId && Math.floor(row.createdAt / dayMs) === today - 3,
        )
        .reduce((sum, row) => sum + row.costMicro, 777),
    );
  });

  it('is not held back by a credit lease open for days, only by a long call admitted on it', async () => {
    const db = await open();
    const fixture = await fill(db, 100, 2);
    const alice = fixture.users[0]!;
    // A busy wallet's lease, renewed since five days ago: it reserves credit, it is no request.
    const leaseId = newId('hld');
    await db.run(
      "INSERT INTO holds (id, user_id, request_id, amount_micro, status, created_at, lease) VALUES (?, ?, ?, 0, 'open', ?, 1)",
      [leaseId, alice, leaseId, (today - 5) * dayMs],
    );
    expect(await closedThroughDay(db, now, 3_600_000)).toBe(today - 1);
    // A stream admitted on it two days ago is still running (its marker): that day stays open.
    const streamStart = (today - 2) * dayMs + 3_600_000;
    await db.run(
      'INSERT INTO lease_calls (request_id, hold_id, user_id, org_id, key_id, endpoint, started_at) VALUES (?, ?, ?, NULL, NULL, ?, ?)',
      ['req_leased_stream', leaseId, alice, '/v1/chat/completions', streamStart],
    );
    expect(await closedThroughDay(db, now, 3_600_000)).toBe(today - 3);
  });

  it('changes nothing when run again or rebuilt, and two replicas running it at once build the same table', async () => {
    const [first, second] = await sharedDatabase(engine);
    opened.push(first, second);
    await fill(first, 1200, 5);
    await runUsageRollup(first, { now, pauseRatio: 0 });
    const built = await rollupTable(first);
    expect(built.length).toBeGreaterThan(100);
    const again = await runUsageRollup(first, { now, pauseRatio: 0 });
    expect(again.chunks).toBe(0);
    expect(await rollupTable(first)).toEqual(built);
    // A later run over days already rolled up (as a replica with an older watermark would) rewrites them identically.
    await first.run('UPDATE usage_rollup_state SET through_day = ?', [today - 30]);
    await runUsageRollup(first, { now, pauseRatio: 0 });
    expect(await rollupTable(first)).toEqual(built);
    await resetUsageRollup(first);
    expect(await rollupTable(first)).toEqual([]);
    // Small chunks so the two runs interleave, owner by owner and day by day.
    const runs = await Promise.all([
      runUsageRollup(first, { now, chunkTargetMs: 0.01, pauseRatio: 0 }),
      runUsageRollup(second, { now, chunkTargetMs: 0.01, pauseRatio: 0 }),
    ]);
    expect(runs.every((run) => run.complete && run.throughDay === today - 1)).toBe(true);
    expect(runs[0]!.chunks).toBeGreaterThan(20);
    expect(await rollupTable(first)).toEqual(built);
    expect(await readRolledThroughDay(second)).toBe(today - 1);
  });

  it('stops between chunks without moving the watermark, and the next run finishes the job', async () => {
    const db = await open();
    const fixture = await fill(db, 600, 9);
    let chunks = 0;
    const stopped = await runUsageRollup(db, {
      now,
      chunkTargetMs: 0.01,
      pauseRatio: 0,
      stopped: () => ++chunks > 3,
    });
    expect(stopped.complete).toBe(false);
    expect(await readRolledThroughDay(db)).toBeUndefined();
    const filter: UsageFilter = { userId: fixture.users[1]!, sinceMs: now - 30 * dayMs };
    // No watermark: the totals stay on the raw rows.
    expect(planWindow(filter, await readRolledThroughDay(db)).rollupDays).toBeUndefined();
    const done = await runUsageRollup(db, { now, pauseRatio: 0 });
    expect(done.complete).toBe(true);
    expect(await totals(db, filter, done.throughDay)).toEqual(await totals(db, filter));
  });
});

describe.each(engines)('the rollup step on a timer (%s)', (engine) => {
  it('stops mid-run at its next chunk and touches the database no more once stop() resolves', async () => {
    const db = await freshDatabase(engine);
    await fill(db, 3000, 13);
    let afterStop = 0;
    let stoppedAt: number | undefined;
    const counted = <T extends (...args: never[]) => unknown>(fn: T): T =>
      ((...args: Parameters<T>) => {
        if (stoppedAt !== undefined) afterStop++;
        return fn(...args);
      }) as T;
    const watched: Database = {
      ...db,
      engine: db.engine,
      grouped: db.grouped,
      all: counted(db.all.bind(db)),
      get: counted(db.get.bind(db)),
      run: counted(db.run.bind(db)),
      transaction: counted(db.transaction.bind(db)),
      exec: db.exec.bind(db),
      withMigrationLock: db.withMigrationLock.bind(db),
      close: db.close.bind(db),
    };
    const errors: unknown[] = [];
    const runs: RollupRun[] = [];
    const rollup = new UsageRollup({
      db: watched,
      intervalMs: 60_000,
      marginMs: 3_600_000,
      onRun: (run) => runs.push(run),
      onError: (error) => errors.push(error),
    });
    rollup.start();
    // The first run starts at once; stop it while it works through the owners' days.
    await vi.waitFor(async () =>
      expect(await db.get('SELECT 1 AS found FROM usage_daily LIMIT 1')).toBeDefined(),
    );
    await rollup.stop();
    stoppedAt = Date.now();
    await new Promise((done) => setTimeout(done, 300));
    expect(afterStop).toBe(0);
    expect(errors).toEqual([]);
    expect(runs.every((run) => run.complete === false || run.throughDay !== undefined)).toBe(true);
    await db.close();
  });
});
