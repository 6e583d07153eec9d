import pg from 'pg';
import type { Database, GroupedQueries, Mergeable, Queryable, SqlParam } from './types.ts';

// BIGINT (int8) comes back as a string by default; our amounts stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

const numbered = new Map<string, string>();
/** Rewrites `?` placeholders to `$1..$n` (our SQL never contains a literal `?`). */
function toPostgres(sql: string): string {
  let converted = numbered.get(sql);
  if (converted === undefined) {
    let index = 0;
    converted = sql.replace(/\?/g, () => `$${++index}`);
    numbered.set(sql, converted);
  }
  return converted;
}

interface PgRunner {
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
}

function queryable(runner: PgRunner): Queryable {
  return {
    all: async <T>(sql: string, params: readonly SqlParam[] = []) =>
      (await runner.query(toPostgres(sql), [...params])).rows as T[],
    get: async <T>(sql: string, params: readonly SqlParam[] = []) =>
      (await runner.query(toPostgres(sql), [...params])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlParam[] = []) => ({
      changes: (await runner.query(toPostgres(sql), [...params])).rowCount ?? 0,
    }),
  };
}

const migrationLockId = 7_302_114;
/** The advisory-lock class of `unlessBusy` (its names hash into the second key). */
const busyLockClass = 7_302_115;

interface GroupItem {
  lockOrder: string;
  sql: string;
  params: readonly SqlParam[];
  resolve: (row: unknown) => void;
  reject: (error: unknown) => void;
  mergeable: Mergeable<unknown, unknown> | undefined;
}

/** What one EXECUTE of a group runs: a statement as given, or several merged into one. */
interface GroupUnit {
  sql: string;
  params: readonly SqlParam[];
  resolve: (row: unknown) => void;
}

/** The group's statements as units, in order: those of one `Mergeable` key (two or more) merged where the first of them stood. */
function unitsOf(items: readonly GroupItem[]): GroupUnit[] {
  const byKey = new Map<string, GroupItem[]>();
  for (const item of items) {
    if (!item.mergeable) continue;
    const same = byKey.get(item.mergeable.key);
    if (same) same.push(item);
    else byKey.set(item.mergeable.key, [item]);
  }
  const units: GroupUnit[] = [];
  for (const item of items) {
    const same = item.mergeable ? byKey.get(item.mergeable.key) : undefined;
    if (!same || same.length < 2) {
      units.push(item);
      continue;
    }
    if (same[0] !== item) continue;
    const merged = item.mergeable!.merge(same.map((member) => member.mergeable!.data));
    units.push({
      sql: merged.sql,
      params: merged.params,
      resolve: (row) => {
        const answers = merged.split(row);
        for (const [index, member] of same.entries()) member.resolve(answers[index]);
      },
    });
  }
  return units;
}

/**
 * A parameter written into SQL text as a literal, for `EXECUTE name(…)` in a multi-statement
 * simple query (which takes no parameters): NULL, else a quoted literal (numbers as their
 * digits) that PostgreSQL converts to the prepared parameter's type, through the driver's
 * `escapeLiteral`. https://www.postgresql.org/docs/15/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT
 */
function literal(value: SqlParam | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} into SQL`);
    return `'${value}'`;
  }
  if (typeof value === 'bigint') return `'${value}'`;
  // What escapeLiteral gives a string with no quote and no backslash, without its copy char by char.
  return needsEscape.test(value) ? pg.escapeLiteral(value) : `'${value}'`;
}
const needsEscape = /['\\]/;

/** The group's units as one multi-statement text, `EXECUTE name(literals)` each (built in one pass, no list per unit). */
function executeText(units: readonly GroupUnit[]): string {
  let text = '';
  for (const unit of units) {
    if (text !== '') text += ';\n';
    text += `EXECUTE hypereal_g${statementId(unit.sql)}(`;
    const params = unit.params;
    for (let index = 0; index < params.length; index++) {
      if (index > 0) text += ', ';
      text += literal(params[index]);
    }
    text += ')';
  }
  return text;
}

/**
 * Hot-path statements are prepared once per connection, so PostgreSQL parses and plans each
 * shape once rather than on every call (a settle is a six-part CTE): alone, as a driver-named
 * statement (the extended protocol's Parse is sent only the first time on a connection); in a
 * group, as a session-level `PREPARE` run on the connection before its first group that needs
 * it, then `EXECUTE name(literals)`. The two live in one namespace per session, hence two
 * prefixes. The set of shapes is small and fixed (the settle statement's variants), so the
 * per-connection cache stays small. https://www.postgresql.org/docs/15/sql-prepare.html
 */
const statementIds = new Map<string, number>();
function statementId(sql: string): number {
  let id = statementIds.get(sql);
  if (id === undefined) {
    id = statementIds.size + 1;
    statementIds.set(sql, id);
  }
  return id;
}
/** The `PREPARE`d names each pooled connection has (a replaced connection starts empty). */
const preparedOn = new WeakMap<pg.PoolClient, Set<number>>();

async function prepareFor(client: pg.PoolClient, items: readonly GroupUnit[]): Promise<void> {
  let prepared = preparedOn.get(client);
  if (!prepared) {
    prepared = new Set();
    preparedOn.set(client, prepared);
  }
  const missing = new Map<number, string>();
  for (const item of items) {
    const id = statementId(item.sql);
    if (!prepared.has(id)) missing.set(id, item.sql);
  }
  for (const [id, sql] of missing) {
    // One at a time, so a failure leaves no name half-known; 42P05: it exists already.
    await client.query(`PREPARE hypereal_g${id} AS ${toPostgres(sql)}`).catch((error: { code?: string }) => {
      if (error.code !== '42P05') throw error;
    });
    prepared.add(id);
  }
}

/** Groups committing at once: each on its own connection. */
const parallelGroups = 4;
/** A bound on one group, so one commit never waits on a very long queue. */
const maxGroupSize = 64;

/**
 * Group commit for single statements: a statement that arrives while `parallelGroups` groups
 * are committing waits for the next group, which runs as one transaction (BEGIN, the
 * statements, COMMIT) in one round trip, so its commit — a WAL flush, during which the rows it
 * updated stay locked — is paid once for the group. That matters most for one busy user, whose
 * wallet row every hold and settle updates: N requests then wait for one flush, not N in a row.
 * A statement alone runs as itself (one round trip). If one statement of a group fails, the
 * group is rolled back and its other statements run again one by one, so a failure stays its
 * own. Nobody's promise settles before the COMMIT that made its statement durable. A group runs
 * its statements sorted by `lockOrder` (the wallet each locks first), so two groups — of this
 * replica or another — always lock wallets in the same order and cannot deadlock.
 * https://www.postgresql.org/docs/15/wal-async-commit.html
 */
function groupCommitter(pool: pg.Pool): GroupedQueries {
  let waiting: GroupItem[] = [];
  let running = 0;
  const runAlone = async (item: GroupItem) => {
    try {
      const text = toPostgres(item.sql);
      const name = `hypereal_a${statementId(item.sql)}`;
      item.resolve((await pool.query({ name, text, values: [...item.params] })).rows[0]);
    } catch (error) {
      item.reject(error);
    }
  };
  const runGroup = async (items: GroupItem[]) => {
    if (items.length === 1) return runAlone(items[0]!);
    const units = unitsOf(items);
    const client = await pool.connect();
    let results: pg.QueryResult[];
    try {
      await prepareFor(client, units);
      // One round trip: statements in one simple Query message run as one transaction.
      const text = executeText(units);
      const answer = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
      // One statement's answer comes as itself, several as a list.
      results = Array.isArray(answer) ? answer : [answer];
    } catch {
      // One of them failed and the group rolled back: each runs again alone (as its own
      // statement, unmerged), and fails alone.
      client.release();
      for (const item of items) await runAlone(item);
      return;
    }
    client.release();
    for (const [index, unit] of units.entries()) unit.resolve(results[index]?.rows[0]);
  };
  /** Wallets (lockOrder) a running group of this replica locks. */
  const locked = new Set<string>();
  const pump = () => {
    while (running < parallelGroups && waiting.length > 0) {
      // A statement whose wallet a running group holds would only queue on that row lock in a
      // parallel group (and hold its other rows meanwhile): it waits for the next group instead,
      // which then takes every waiting statement of that wallet — one busy user's statements
      // go as few large groups, one after the other, rather than as many small ones in a row.
      const items: GroupItem[] = [];
      const later: GroupItem[] = [];
      for (const item of waiting) {
        if (items.length < maxGroupSize && !locked.has(item.lockOrder)) items.push(item);
        else later.push(item);
      }
      if (items.length === 0) return;
      items.sort((a, b) => (a.lockOrder < b.lockOrder ? -1 : a.lockOrder > b.lockOrder ? 1 : 0));
      const wallets = new Set(items.map((item) => item.lockOrder));
      for (const wallet of wallets) locked.add(wallet);
      waiting = later;
      running++;
      runGroup(items)
        .catch((error: unknown) => {
          // No connection to be had: nothing of the group ran.
          for (const item of items) item.reject(error);
        })
        .finally(() => {
          for (const wallet of wallets) locked.delete(wallet);
          running--;
          pump();
        });
    }
  };
  return {
    get: <T, D>(
      sql: string,
      params: readonly SqlParam[],
      lockOrder: string,
      mergeable?: Mergeable<D, T | undefined>,
    ) =>
      new Promise<T | undefined>((resolve, reject) => {
        waiting.push({
          lockOrder,
          sql,
          params,
          resolve: resolve as (row: unknown) => void,
          reject,
          mergeable: mergeable as Mergeable<unknown, unknown> | undefined,
        });
        pump();
      }),
  };
}

export function openPostgres(connectionString: string): Database {
  const pool = new pg.Pool({ connectionString, max: 20 });
  const base = queryable(pool);
  return {
    engine: 'postgres',
    ...base,
    grouped: groupCommitter(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async withMigrationLock(fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [migrationLockId]);
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [migrationLockId]).catch(() => undefined);
        client.release();
      }
    },
    async unlessBusy(lock, fn) {
      // A session-level advisory lock on a connection of its own, held while `fn` runs.
      // https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
      const client = await pool.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
          [busyLockClass, lock],
        );
        if (!rows[0]?.locked) return undefined;
        try {
          return await fn();
        } finally {
          await client
            .query('SELECT pg_advisory_unlock($1, hashtext($2))', [busyLockClass, lock])
            .catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
