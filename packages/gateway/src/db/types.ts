export type SqlParam = string | number | bigint | null;

/** One query layer for both engines: SQL is written once with `?` placeholders. */
export interface Queryable {
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
}

/**
 * A grouped statement that may run merged with others of the same `key` that wait for the same
 * group: `merge` gets every such statement's `data` (in the group's order) and returns one
 * statement doing all of their work and how its row answers each. Where no other waits, or the
 * merged statement fails, each runs as its own `sql` (so a failure stays its own).
 */
export interface Mergeable<D, T> {
  key: string;
  data: D;
  merge(batch: readonly D[]): { sql: string; params: SqlParam[]; split(row: unknown): T[] };
}

export interface GroupedQueries {
  get<T, D = never>(
    sql: string,
    params: readonly SqlParam[],
    lockOrder: string,
    mergeable?: Mergeable<D, T | undefined>,
  ): Promise<T | undefined>;
}

/**
 * A repeatable transaction that may run merged with others of the same `key` waiting for the same
 * group commit (SQLite): `merge` does, in one run of the group's transaction, the work of every
 * such transaction (their `data` in the group's order) and returns each one's answer, in order.
 * A transaction alone runs as `merge` of itself; should a merged run fail, its members run again
 * one by one (so a failure stays its own). The same contract as a `Mergeable` statement on
 * PostgreSQL, whose merged work is one statement; SQLite has no data-modifying CTEs
 * (https://www.sqlite.org/lang_with.html), so there the merged work is several statements.
 */
export interface MergeableTransaction<D, T> {
  key: string;
  data: D;
  merge(tx: Queryable, batch: readonly D[]): Promise<T[]>;
}

export interface TransactionOptions<T = unknown, D = never> {
  /**
   * `fn` does nothing but read and write through its `tx` (no other effect, no state kept from
   * a run), so it may be run again from the start. SQLite then groups it with other callers'
   * writes without a savepoint of its own (a failure reruns the group with savepoints); the hot
   * path's settles are. PostgreSQL ignores it.
   */
  repeatable?: boolean;
  /** With `repeatable`: SQLite may merge it with others of its key (`fn` then does not run). PostgreSQL ignores it. */
  mergeable?: MergeableTransaction<D, T>;
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
  transaction<T, D = never>(
    fn: (tx: Queryable) => Promise<T>,
    options?: TransactionOptions<T, D>,
  ): Promise<T>;
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
