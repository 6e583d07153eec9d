import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Database, Queryable, SqlParam } from './types.ts';

/**
 * Embedded SQLite (node:sqlite, WAL). node:sqlite is synchronous, so an async
 * transaction would interleave with other requests' statements on the one
 * connection; every write and transaction therefore queues on one mutex.
 */
export function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const connection = new DatabaseSync(path);
  connection.exec('PRAGMA journal_mode = WAL');
  connection.exec('PRAGMA synchronous = NORMAL');
  connection.exec('PRAGMA busy_timeout = 10000');
  connection.exec('PRAGMA foreign_keys = ON');
  // Hot path is two small write transactions per call: keep pages cached and checkpoint less often.
  connection.exec('PRAGMA cache_size = -65536');
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

  let queue: Promise<unknown> = Promise.resolve();
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
    run: (sql, params) => exclusive(() => direct.run(sql, params)),
    transaction: (fn) =>
      exclusive(async () => {
        connection.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(direct);
          connection.exec('COMMIT');
          return result;
        } catch (error) {
          connection.exec('ROLLBACK');
          throw error;
        }
      }),
    exec: (sql) => exclusive(async () => connection.exec(sql)),
    withMigrationLock: (fn) => fn(),
    close: async () => {
      await queue;
      connection.close();
    },
  };
}
