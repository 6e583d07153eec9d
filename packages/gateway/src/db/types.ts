export type SqlParam = string | number | bigint | null;

/** One query layer for both engines: SQL is written once with `?` placeholders. */
export interface Queryable {
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
}

export interface Database extends Queryable {
  readonly engine: 'sqlite' | 'postgres';
  /** Runs `fn` atomically; it is rolled back if `fn` throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Multi-statement DDL (migrations). */
  exec(sql: string): Promise<void>;
  /** Serialises migration runs across processes/replicas. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
