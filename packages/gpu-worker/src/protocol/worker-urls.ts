import { randomUUID } from 'node:crypto';

/**
 * What a worker needs to reach its platform, as RunPod injects it into a serverless container:
 * `RUNPOD_WEBHOOK_GET_JOB`, `RUNPOD_WEBHOOK_POST_OUTPUT`, `RUNPOD_WEBHOOK_PING`,
 * `RUNPOD_AI_API_KEY`, `RUNPOD_POD_ID`, `RUNPOD_ENDPOINT_ID`, `RUNPOD_PING_INTERVAL`.
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_job.py
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_ping.py
 */
export interface WorkerUrls {
  /** `RUNPOD_WEBHOOK_GET_JOB`; `$ID` is the worker id. */
  jobTake: string;
  /** `RUNPOD_WEBHOOK_POST_OUTPUT`; `$ID` is the job id, `$RUNPOD_POD_ID` the worker id. */
  jobDone: string;
  /** `RUNPOD_WEBHOOK_PING`; `$RUNPOD_POD_ID` is the worker id. No heartbeats without it. */
  ping?: string | undefined;
  /** `RUNPOD_AI_API_KEY`, sent raw in `Authorization` (no `Bearer`). */
  apiKey: string;
  /** `RUNPOD_POD_ID` (a random id when absent, as the SDK does). */
  workerId?: string | undefined;
  endpointId?: string | undefined;
  /** `RUNPOD_PING_INTERVAL` in ms (default 10000). */
  pingIntervalMs?: number | undefined;
}

export type WorkerEnv = Record<string, string | undefined>;

/** Reads RunPod's worker environment; throws naming the first missing variable. */
export function urlsFromEnv(env: WorkerEnv): WorkerUrls {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set (the platform's worker URLs are needed)`);
    return value;
  };
  const ping = Number(env['RUNPOD_PING_INTERVAL']);
  return {
    jobTake: need('RUNPOD_WEBHOOK_GET_JOB'),
    jobDone: need('RUNPOD_WEBHOOK_POST_OUTPUT'),
    ping: env['RUNPOD_WEBHOOK_PING'] || undefined,
    apiKey: need('RUNPOD_AI_API_KEY'),
    workerId: env['RUNPOD_POD_ID'] || undefined,
    endpointId: env['RUNPOD_ENDPOINT_ID'] || undefined,
    pingIntervalMs: Number.isFinite(ping) && ping > 0 ? ping : undefined,
  };
}

/** Appends query parameters to a URL that may already carry a query (the SDK appends `&…`). */
export function withQuery(url: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  if (!query) return url;
  if (!url.includes('?')) return `${url}?${query}`;
  return url.endsWith('?') || url.endsWith('&') ? url + query : `${url}&${query}`;
}

/** The concrete URLs of one worker, with its id substituted the way the Python SDK does. */
export interface ResolvedUrls {
  workerId: string;
  take(jobInProgress: boolean): string;
  done(jobId: string): string;
  /** The stop channel: the take URL with `/job-take/` → `/job-stop/`; undefined when it has no such part. */
  stop(jobInProgress: boolean): string | undefined;
  ping(jobIds: readonly string[], version: string): string | undefined;
}

export function resolveUrls(urls: WorkerUrls): ResolvedUrls {
  const workerId = urls.workerId ?? randomUUID();
  const take = urls.jobTake.replaceAll('$ID', workerId);
  const done = urls.jobDone.replaceAll('$RUNPOD_POD_ID', workerId);
  const ping = urls.ping?.replaceAll('$RUNPOD_POD_ID', workerId);
  const stop = take.includes('/job-take/') ? take.replace('/job-take/', '/job-stop/') : undefined;
  return {
    workerId,
    take: (busy) => withQuery(take, { job_in_progress: busy ? '1' : '0' }),
    done: (jobId) => withQuery(done.replaceAll('$ID', encodeURIComponent(jobId)), { isStream: 'false' }),
    stop: (busy) => (stop ? withQuery(stop, { job_in_progress: busy ? '1' : '0' }) : undefined),
    ping: (jobIds, version) =>
      ping ? withQuery(ping, { job_id: jobIds.join(','), runpod_version: version }) : undefined,
  };
}
