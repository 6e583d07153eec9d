import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { requestsInFlight } from './requests-in-flight.ts';
import type { Database, MergeableTransaction, Queryable, SqlParam } from './types.ts';

/**
 * What a batch item is, for its savepoint: `statement`, one SQL statement (under the default ABORT
 * conflict resolution, which every statement here uses, SQLite undoes a failed statement's own
 * changes and keeps the transaction, https://www.sqlite.org/lang_conflict.html, so it needs none);
 * `repeatable`, a transaction whose function only reads and writes through its `tx` (it may be
 * run again from the start); `once`, any other transaction.
 */
type ItemKind = 'statement' | 'repeatable' | 'once';

interface BatchItem {
  fn: (tx: Queryable) => Promise<unknown>;
  kind: ItemKind;
  mergeable: MergeableTransaction<unknown, unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What one step of a batch runs: an item, or the items of one mergeable key (two or more) merged. */
interface BatchUnit {
  fn: (tx: Queryable) => Promise<unknown>;
  kind: ItemKind;
  /** The items it answers (their indexes in the batch); a merged unit's `fn` answers each, in order. */
  members: number[];
}

/** The batch's items as units, in order: those of one mergeable key merged where the first of them stood. */
function unitsOf(items: readonly BatchItem[]): BatchUnit[] {
  const byKey = new Map<string, number[]>();
  items.forEach((item, index) => {
    if (!item.mergeable) return;
    const same = byKey.get(item.mergeable.key);
    if (same) same.push(index);
    else byKey.set(item.mergeable.key, [index]);
  });
  const units: BatchUnit[] = [];
  items.forEach((item, index) => {
    const same = item.mergeable ? byKey.get(item.mergeable.key) : undefined;
    if (!same || same.length < 2) {
      units.push({ fn: item.fn, kind: item.kind, members: [index] });
      return;
    }
    if (same[0] !== index) return;
    const batch = same.map((member) => items[member]!.mergeable!.data);
    const merge = item.mergeable!.merge;
    units.push({ fn: (tx) => merge(tx, batch), kind: item.kind, members: same });
  });
  return units;
}

type ItemResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Embedded SQLite (node:sqlite, WAL). node:sqlite is synchronous, so an async
 * transaction would interleave with other requests' statements on the one
 * connection; every write and transaction therefore queues on one mutex — in batches.
 */
export function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const connection = new DatabaseSync(path);
  connection.exec('PRAGMA journal_mode = WAL');
  connection.exec('PRAGMA synchronous = NORMAL');
  connection.exec('PRAGMA busy_timeout = 10000');
  connection.exec('PRAGMA foreign_keys = ON');
  // Hot path is two small write transactions per call: keep pages cached and checkpoint less often.
  // 8 MiB holds the hot pages (wallets, open holds, index tails); a larger cache fills with
  // request-log pages as the file grows and shows as resident memory that only ever rises.
  connection.exec('PRAGMA cache_size = -8192');
  connection.exec('PRAGMA wal_autocheckpoint = 8192');
  connection.exec('PRAGMA temp_store = MEMORY');

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  // Group commit: every write and transaction that arrives while the connection is busy (or
  // in the same turn of the event loop) joins one batch, run as one SQLite transaction with a
  // savepoint per item, so one item's failure rolls back only its own writes. A caller's
  // promise settles only after its batch's COMMIT: nothing is reported done (no charge, no
  // answer sent) before it is durable to the same degree as a transaction of its own, and a
  // crash loses at most batches whose callers were all still waiting.
  // https://www.sqlite.org/lang_savepoint.html
  // Repeatable transactions of one `mergeable` key in a batch run as one merged unit (a credit
  // lease's settles: one update of its rows by the sums); if that fails, its members run again
  // one by one, each under a savepoint, so a failure stays its own.
  // One request alone in the process (c=1, a quiet gateway) has nobody to share a group with:
  // its group commits without the wait (still after the batches already queued, if any).
  let queue: Promise<unknown> = Promise.resolve();
  let open: BatchItem[] | null = null;
  const step = (sql: string) => prepare(sql).run();
  const quietly = (sql: string) => {
    try {
      step(sql);
    } catch {
      // The transaction is already gone (SQLite rolled it back itself): nothing to undo.
    }
  };
  // A savepoint costs more than it seems: every page an item then changes is first copied to the
  // statement journal (a copy per page per item, measured ~2x the item's own statements). So a
  // batch of statements and repeatable transactions runs without any (a failed statement undoes
  // itself); should a repeatable transaction fail there, its writes so far cannot be undone
  // alone: the batch is rolled back and run again with a savepoint per transaction.
  const run = async (items: BatchItem[], careful: boolean): Promise<ItemResult[] | 'again' | undefined> => {
    try {
      step('BEGIN IMMEDIATE');
    } catch (error) {
      for (const item of items) item.reject(error);
      return undefined;
    }
    const units = unitsOf(items);
    const single = items.length === 1;
    const results: ItemResult[] = [];
    /** Runs `fn` under a savepoint of its own (undone alone if it fails); `ended` if its failure ended the transaction. */
    const saved = async (
      fn: (tx: Queryable) => Promise<unknown>,
    ): Promise<ItemResult | { ended: unknown }> => {
      try {
        step('SAVEPOINT item');
        const value = await fn(direct);
        step('RELEASE item');
        return { ok: true, value };
      } catch (error) {
        if (!connection.isTransaction) return { ended: error };
        quietly('ROLLBACK TO item');
        quietly('RELEASE item');
        return { ok: false, error };
      }
    };
    for (const unit of units) {
      const merged = unit.members.length > 1;
      const savepoint = careful && !single && unit.kind !== 'statement';
      try {
        if (savepoint) step('SAVEPOINT item');
        const value = await unit.fn(direct);
        if (savepoint) step('RELEASE item');
        if (merged) {
          const answers = value as unknown[];
          unit.members.forEach((member, index) => {
            results[member] = { ok: true, value: answers[index] };
          });
        } else results[unit.members[0]!] = { ok: true, value };
      } catch (error) {
        if (!connection.isTransaction) {
          // An error that ended the whole transaction (disk full, I/O): every write of the
          // batch is gone, so nobody's succeeded.
          for (const each of items) each.reject(error);
          return undefined;
        }
        if (single) quietly('ROLLBACK');
        else if (savepoint) {
          quietly('ROLLBACK TO item');
          quietly('RELEASE item');
        } else if (unit.kind !== 'statement') {
          quietly('ROLLBACK');
          return 'again';
        }
        if (!merged) {
          results[unit.members[0]!] = { ok: false, error };
          continue;
        }
        // The merged run failed and was undone: each of its members runs again alone, and fails alone.
        for (const member of unit.members) {
          const result = await saved(items[member]!.fn);
          if ('ended' in result) {
            for (const each of items) each.reject(result.ended);
            return undefined;
          }
          results[member] = result;
        }
      }
    }
    if (connection.isTransaction) {
      try {
        step('COMMIT');
      } catch (error) {
        quietly('ROLLBACK');
        for (const item of items) item.reject(error);
        return undefined;
      }
    }
    return results;
  };
  const flush = async (items: BatchItem[]) => {
    if (open === items) open = null;
    let results = await run(
      items,
      items.some((item) => item.kind === 'once'),
    );
    if (results === 'again') results = await run(items, true);
    if (results === undefined || results === 'again') return;
    results.forEach((result, index) => {
      const item = items[index]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  };
  const batched = <T>(
    fn: (tx: Queryable) => Promise<T>,
    kind: ItemKind,
    mergeable?: MergeableTransaction<unknown, unknown>,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const item = { fn, kind, mergeable, resolve: resolve as (value: unknown) => void, reject };
      if (open) {
        open.push(item);
        return;
      }
      const items: BatchItem[] = [item];
      open = items;
      // No batch is open, so none waits to start: this one queues behind any still committing.
      const alone = requestsInFlight.count === 1;
      queue = (alone ? queue : queue.then(() => new Promise((next) => setImmediate(next))))
        .then(() => flush(items))
        .catch(() => undefined);
    });
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = queue.then(fn);
    queue = result.catch(() => undefined);
    return result;
  };

  const direct: Queryable = {
    all: async <T>(sql: string, params: readonly SqlParam[] = []) => prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: readonly SqlParam[] = []) =>
      prepare(sql).get(...params) as T | undefined,
    run: async (sql: string, params: readonly SqlParam[] = []) => ({
      changes: Number(prepare(sql).run(...params).changes),
    }),
  };

  return {
    engine: 'sqlite',
    all: direct.all,
    get: direct.get,
    run: (sql, params) => batched((tx) => tx.run(sql, params), 'statement'),
    // Every write already commits in groups here; one connection, so no lock order to keep.
    grouped: { get: (sql, params) => batched((tx) => tx.get(sql, params), 'statement') },
    transaction: (fn, options) =>
      options?.repeatable
        ? batched(fn, 'repeatable', options.mergeable as MergeableTransaction<unknown, unknown> | undefined)
        : batched(fn, 'once'),
    exec: (sql) => exclusive(async () => connection.exec(sql)),
    withMigrationLock: (fn) => fn(),
    // One process serves a SQLite store: nobody else to leave the work to.
    unlessBusy: (_lock, fn) => fn(),
    close: async () => {
      await queue;
      connection.close();
    },
  };
}
