import { migrate } from './migrations.ts';
import { openSqlite } from './sqlite.ts';
import type { Database } from './types.ts';

export { insertRows } from './insert-rows.ts';
export { appliedVersions, type MigrateOptions, type Migration, migrate, migrations } from './migrations.ts';
export { requestsInFlight } from './requests-in-flight.ts';
export { sqlArray, sqlArrayColumn } from './sql-array.ts';
export type {
  Database,
  GroupedQueries,
  Mergeable,
  MergeableTransaction,
  Queryable,
  SqlParam,
  TransactionOptions,
} from './types.ts';

export interface OpenDatabaseOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite at `sqlitePath`. */
  databaseUrl?: string | undefined;
  sqlitePath: string;
  /** False: open as found (`hypereal migrate` runs them itself, and says what it did). */
  migrate?: boolean;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl;
  // The PostgreSQL driver is loaded only when it is used (resident memory otherwise).
  const db =
    url && /^postgres(ql)?:\/\//.test(url)
      ? (await import('./postgres.ts')).openPostgres(url)
      : openSqlite(options.sqlitePath);
  if (options.migrate !== false) await migrate(db);
  return db;
}
