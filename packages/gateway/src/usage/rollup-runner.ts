import type { Database } from '../db/index.ts';
import { type RollupRun, resetUsageRollup, runUsageRollup } from './rollup-build.ts';

export interface UsageRollupOptions {
  db: Database;
  /** Between runs; the first starts right away. */
  intervalMs: number;
  marginMs: number;
  onRun?: (run: RollupRun) => void;
  onError?: (error: unknown) => void;
}

/**
 * The rollup step on a timer, off the request path: each replica starts it, and on PostgreSQL
 * the one that finds another replica's pass under way skips its turn (a pass run twice would
 * agree, see `runUsageRollup`, but only repeat the work); one run at a time per process. `stop()` ends the current run at its next chunk and
 * resolves once nothing more touches the database.
 */
export class UsageRollup {
  readonly #options: UsageRollupOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: UsageRollupOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#stopped || this.#timer) return;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.#runOnce().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#options.intervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #runOnce(): Promise<void> {
    try {
      // One replica at a time does the pass (the others would only repeat it: it is idempotent).
      const run = await this.#options.db.unlessBusy('usage-rollup', () =>
        runUsageRollup(this.#options.db, {
          marginMs: this.#options.marginMs,
          stopped: () => this.#stopped,
        }),
      );
      if (run) this.#options.onRun?.(run);
    } catch (error) {
      if (!this.#stopped) this.#options.onError?.(error);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}

/**
 * The pass run now, from the CLI (`hypereal usage rollup [--rebuild]`): it waits for a replica's
 * pass under way to end rather than skip, and a rebuild forgets the rollup inside the same lock —
 * otherwise a replica's pass that began before the reset would record its watermark over a table
 * missing every day before its start. (On SQLite there is one process to a database file.)
 */
export async function rollupNow(
  db: Database,
  options: { rebuild: boolean; marginMs: number; retryMs?: number },
): Promise<RollupRun> {
  for (;;) {
    const run = await db.unlessBusy('usage-rollup', async () => {
      if (options.rebuild) await resetUsageRollup(db);
      return runUsageRollup(db, { marginMs: options.marginMs, pauseRatio: 0 });
    });
    if (run) return run;
    await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 200));
  }
}
