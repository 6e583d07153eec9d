import { APIUserAbortError } from '../core/errors.ts';
import type { RequestOptions } from '../core/http.ts';
import { sleep } from '../core/retry.ts';

export interface WaitOptions<T> {
  /** Called after every poll with the job as it is. */
  onProgress?: (job: T) => void;
  /** Stops waiting (the promise rejects with APIUserAbortError); the job itself goes on. */
  signal?: AbortSignal;
  /** First pause between polls, ms (default 500); it grows ×1.5 up to `maxPollInterval`. */
  pollInterval?: number;
  /** Longest pause between polls, ms (default 5000). */
  maxPollInterval?: number;
  /** Give up after this many ms (rejects with an Error naming the job's last status). */
  timeout?: number;
  /** Options for each poll request. */
  request?: RequestOptions;
}

/** Polls `get` with growing pauses until `done`, honouring the signal and the overall timeout. */
export async function pollUntil<T extends { status: string }>(
  get: (signal: AbortSignal | undefined) => Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions<T>,
): Promise<T> {
  const started = Date.now();
  let pause = options.pollInterval ?? 500;
  const maxPause = options.maxPollInterval ?? 5_000;
  for (;;) {
    if (options.signal?.aborted) throw new APIUserAbortError({ cause: options.signal.reason });
    const current = await get(options.signal);
    options.onProgress?.(current);
    if (done(current)) return current;
    if (options.timeout !== undefined && Date.now() - started + pause > options.timeout) {
      throw new Error(`Still ${current.status} after ${options.timeout} ms.`);
    }
    try {
      await sleep(pause, options.signal);
    } catch (error) {
      throw new APIUserAbortError({ cause: error });
    }
    pause = Math.min(pause * 1.5, maxPause);
  }
}
