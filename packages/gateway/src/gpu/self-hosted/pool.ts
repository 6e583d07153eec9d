import type { Database } from '../../db/index.ts';
import { sweepTasks } from './tasks.ts';

export interface SelfHostedOptions {
  /** The heartbeat interval workers are given (RUNPOD_PING_INTERVAL); silent for 3 of them = dead. */
  pingIntervalMs: number;
}

/**
 * Runs the queue's housekeeping (dead workers, timeouts, TTLs) lazily, from whatever touches the
 * queue (takes, status reads, health), at most every quarter ping interval per process. All
 * state is in the database, so any replica may do it.
 */
export class SweepThrottle {
  private last = 0;
  private running: Promise<void> | undefined;
  private readonly db: Database;
  private readonly pingIntervalMs: number;

  constructor(db: Database, pingIntervalMs: number) {
    this.db = db;
    this.pingIntervalMs = pingIntervalMs;
  }

  async sweep(): Promise<void> {
    const now = Date.now();
    if (this.running) return this.running;
    if (now - this.last < Math.max(10, this.pingIntervalMs / 4)) return;
    this.last = now;
    this.running = sweepTasks(this.db, now, this.pingIntervalMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
