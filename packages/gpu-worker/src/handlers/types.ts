/** A JSON value, as job inputs and outputs travel. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One job as the platform hands it out: RunPod's `{id, input}` (the handler's `job`). */
export interface WorkerJob {
  id: string;
  input: unknown;
  /** The endpoint the job came from, when the platform says so (the gateway does). */
  endpointId?: string | undefined;
}

export interface HandlerContext {
  /** Aborts when the platform stops the job (job-stop), or the worker is killed. */
  signal: AbortSignal;
  /** Sends an interim `output` (RunPod's `progress_update`). */
  progress(value: Json): void;
  workerId: string;
  /** The endpoint this worker serves (RUNPOD_ENDPOINT_ID), if one. */
  endpointId: string | undefined;
  /** ComfyUI's base URL (COMFYUI_URL), for the comfyui handler. */
  comfyUiUrl: string | undefined;
}

/**
 * A job handler, like a RunPod handler function: it returns the job's output (any JSON),
 * or throws (the job fails with RunPod's error object); an object with an `error` key fails
 * the job too, the rest of it travelling as `output` (a "graceful failure").
 * @see https://docs.runpod.io/serverless/workers/handler-functions
 */
export type JobHandler = (job: WorkerJob, context: HandlerContext) => Promise<Json>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An error whose message is what the job's `error` reports. */
export class HandlerInputError extends Error {
  override readonly name = 'HandlerInputError';
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
