import pg from 'pg';
import type { Database, Queryable, SqlParam } from './types.ts';

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

export function openPostgres(connectionString: string): Database {
  const pool = new pg.Pool({ connectionString, max: 20 });
  const base = queryable(pool);
  return {
    engine: 'postgres',
    ...base,
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
    close: () => pool.end(),
  };
}
