import type { Database } from '../db/index.ts';
import { type RollupRun, runUsageRollup } from './rollup-build.ts';

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
