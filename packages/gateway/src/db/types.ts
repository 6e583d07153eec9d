export type SqlParam = string | number | bigint | null;

/** One query layer for both engines: SQL is written once with `?` placeholders. */
export interface Queryable {
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
}

export interface GroupedQueries {
  get<T>(sql: string, params: readonly SqlParam[], lockOrder: string): Promise<T | undefined>;
}

export interface TransactionOptions {
  /**
   * `fn` does nothing but read and write through its `tx` (no other effect, no state kept from
   * a run), so it may be run again from the start. SQLite then groups it with other callers'
   * writes without a savepoint of its own (a failure reruns the group with savepoints); the hot
   * path's settles are. PostgreSQL ignores it.
   */
  repeatable?: boolean;
}

export interface Database extends Queryable {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Single statements that commit in a group with other callers' (group commit): each is
   * atomic on its own, and its promise settles only once its group has committed. The hot
   * path's hold and settle go through it, so one commit (one WAL flush) serves many requests.
   * `lockOrder` names the first row the statement locks (its wallet): a group runs its
   * statements in that order, so concurrent groups lock rows in one order and never deadlock.
   */
  readonly grouped: GroupedQueries;
  /** Runs `fn` atomically; it is rolled back if `fn` throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Multi-statement DDL (migrations). */
  exec(sql: string): Promise<void>;
  /** Serialises migration runs across processes/replicas. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` unless another process (replica) is running work under the same `lock` name right
   * now; then undefined, at once. For periodic work every replica may start but one is enough.
   */
  unlessBusy<T>(lock: string, fn: () => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}
