import { afterEach, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { type Database, requestsInFlight } from '../../src/db/index.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';

/**
 * Group commit (db.grouped on both engines, db.transaction on SQLite): many callers' statements
 * share one commit, yet each one's failure stays its own and every value reaches the database
 * as sent — PostgreSQL writes a group's parameters into one multi-statement query.
 */
describe.each(engines)('group commit on %s', (engine) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  it('commits 200 concurrent statements, and a failing one fails alone', async () => {
    db = await freshDatabase(engine);
    const users = await Promise.all(
      Array.from({ length: 20 }, (_, index) => createUser(db, { email: `group-${index}@example.com` })),
    );
    const writes = Array.from({ length: 200 }, (_, index) => {
      const user = users[index % users.length]!;
      // Every 50th breaks the held_micro >= 0 check; the rest each add 1.
      const delta = index % 50 === 49 ? -1_000_000 : 1;
      return db.grouped
        .get<{ held_micro: number }>(
          'UPDATE users SET held_micro = held_micro + ? WHERE id = ? RETURNING held_micro',
          [delta, user.id],
          user.id,
        )
        .then(
          () => 'ok',
          () => 'failed',
        );
    });
    const results = await Promise.all(writes);
    expect(results.filter((result) => result === 'failed')).toHaveLength(4);
    const rows = await db.all<{ held_micro: number }>('SELECT held_micro FROM users');
    expect(rows.reduce((sum, row) => sum + Number(row.held_micro), 0)).toBe(196);
  });

  it.each([
    ['repeatable transactions', false],
    ['repeatable and one-off transactions', true],
  ])('undoes a failed transaction alone among %s, and runs a one-off once', async (_, withOneOffs) => {
    db = await freshDatabase(engine);
    const users = await Promise.all(
      Array.from({ length: 10 }, (_, index) => createUser(db, { email: `tx-${index}@example.com` })),
    );
    let oneOffRuns = 0;
    // Each adds 1 to two users; every 7th then breaks the held_micro >= 0 check on its second
    // write, after its first one landed: that first write must be undone with it.
    const transactions = Array.from({ length: 60 }, (_, index) => {
      // Rows locked in one order (PostgreSQL runs these side by side on its pool).
      const first = users[index % (users.length - 1)]!;
      const second = users[(index % (users.length - 1)) + 1]!;
      const oneOff = withOneOffs && index % 10 === 3;
      return db
        .transaction(
          async (tx) => {
            if (oneOff) oneOffRuns++;
            await tx.run('UPDATE users SET held_micro = held_micro + 1 WHERE id = ?', [first.id]);
            const delta = index % 7 === 6 ? -1_000_000 : 1;
            await tx.run('UPDATE users SET held_micro = held_micro + ? WHERE id = ?', [delta, second.id]);
          },
          { repeatable: !oneOff },
        )
        .then(
          () => 'ok',
          () => 'failed',
        );
    });
    // A statement in the same group, failing alone too.
    const statement = db
      .run('UPDATE users SET held_micro = held_micro - 1000000 WHERE id = ?', [users[0]!.id])
      .then(
        () => 'ok',
        () => 'failed',
      );
    const results = await Promise.all(transactions);
    expect(await statement).toBe('failed');
    expect(results.filter((result) => result === 'failed')).toHaveLength(8);
    expect(oneOffRuns).toBe(withOneOffs ? 6 : 0);
    const rows = await db.all<{ held_micro: number }>('SELECT held_micro FROM users');
    expect(rows.reduce((sum, row) => sum + Number(row.held_micro), 0)).toBe(2 * (60 - 8));
  });

  it.skipIf(engine !== 'postgres')(
    "runs one busy wallet's statements as few groups, one at a time, never stacked on its row lock",
    async () => {
      db = await freshDatabase(engine);
      const user = await createUser(db, { email: 'group-busy@example.com' });
      // 300 at once on one wallet: the first runs alone, the rest wait for it and then go as
      // full groups of 64 one after another — 1 + ⌈299 / 64⌉ = 6 transactions. Groups run in
      // parallel on the same wallet would be at least 4 + ⌈296 / 64⌉ = 9.
      const rows = await Promise.all(
        Array.from({ length: 300 }, () =>
          db.grouped.get<{ held_micro: number; tx: string }>(
            'UPDATE users SET held_micro = held_micro + 1 WHERE id = ? RETURNING held_micro, txid_current()::text AS tx',
            [user.id],
            user.id,
          ),
        ),
      );
      expect(new Set(rows.map((row) => Number(row!.held_micro))).size).toBe(300);
      expect(new Set(rows.map((row) => row!.tx)).size).toBeLessThanOrEqual(6);
      const stored = await db.get<{ held_micro: number }>('SELECT held_micro FROM users WHERE id = ?', [
        user.id,
      ]);
      expect(Number(stored!.held_micro)).toBe(300);
    },
  );

  it('passes quotes, backslashes, dollar signs, question marks and negative numbers through unchanged', async () => {
    db = await freshDatabase(engine);
    const awkward = [
      "it's",
      'back\\slash',
      '$1 $$ $fn$',
      'why?',
      'new\nline',
      "'; DROP TABLE users; --",
      'ünï 😀',
    ];
    const echoed = await Promise.all(
      awkward.map((text, index) =>
        db.grouped.get<{ text: string; number: number }>(
          'SELECT CAST(? AS TEXT) AS text, CAST(? AS BIGINT) AS number',
          [text, -1 - index * 1_000_000_007],
          String(index),
        ),
      ),
    );
    expect(echoed.map((row) => row?.text)).toEqual(awkward);
    expect(echoed.map((row) => Number(row?.number))).toEqual(
      awkward.map((_, index) => -1 - index * 1_000_000_007),
    );
    expect(await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users')).toBeDefined();
  });
});

describe('group commit on sqlite with one request in flight', () => {
  let db: Database;
  afterEach(async () => {
    requestsInFlight.count = 0;
    await db?.close();
  });

  it('commits a lone request at once, and still waits a turn for company otherwise', async () => {
    db = await freshDatabase('sqlite');
    const user = await createUser(db, { email: 'alone@example.com' });
    const turnPassed = async () => {
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      const row = await db.grouped.get<{ held_micro: number }>(
        'UPDATE users SET held_micro = held_micro + 1 WHERE id = ? RETURNING held_micro',
        [user.id],
        user.id,
      );
      return { turned, held: Number(row?.held_micro) };
    };
    requestsInFlight.count = 1;
    expect(await turnPassed()).toEqual({ turned: false, held: 1 });
    requestsInFlight.count = 2;
    expect(await turnPassed()).toEqual({ turned: true, held: 2 });
    requestsInFlight.count = 0;
    expect(await turnPassed()).toEqual({ turned: true, held: 3 });
  });
});
