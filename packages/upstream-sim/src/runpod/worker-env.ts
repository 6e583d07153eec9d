import { randomBytes } from 'node:crypto';
import { IMAGE_ENDPOINT } from './worker-api.ts';

export interface RunpodWorkerEnvOptions {
  /** The endpoint the worker serves… */
  endpointId?: string;
  /** …or, instead, the container image it runs: it then serves every endpoint whose image matches. */
  image?: string;
  /** `RUNPOD_AI_API_KEY`, sent raw in `Authorization`. */
  apiKey: string;
  /** `RUNPOD_POD_ID`; random when absent. */
  workerId?: string;
  /** `RUNPOD_PING_INTERVAL` in ms (RunPod's default 10000); must match the sim's `runpodPingIntervalMs`. */
  pingIntervalMs?: number;
}

/**
 * The environment RunPod injects into a serverless worker, pointed at the simulator: `$ID` in
 * `RUNPOD_WEBHOOK_GET_JOB` is replaced by the worker with its id, in `RUNPOD_WEBHOOK_POST_OUTPUT` /
 * `RUNPOD_WEBHOOK_POST_STREAM` with the job id; workers append `&job_in_progress=…` / `&isStream=…`.
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_job.py
 */
export function runpodWorkerEnv(simUrl: string, options: RunpodWorkerEnvOptions): Record<string, string> {
  if ((options.endpointId === undefined) === (options.image === undefined)) {
    throw new TypeError('runpodWorkerEnv needs exactly one of endpointId or image');
  }
  const workerId = options.workerId ?? randomBytes(7).toString('hex');
  const base = simUrl.replace(/\/+$/, '');
  const endpoint = options.endpointId ?? IMAGE_ENDPOINT;
  const query = options.image === undefined ? 'gpu=SIM' : `image=${encodeURIComponent(options.image)}`;
  const prefix = `${base}/v2/${encodeURIComponent(endpoint)}`;
  const env: Record<string, string> = {
    RUNPOD_WEBHOOK_GET_JOB: `${prefix}/job-take/$ID?${query}`,
    RUNPOD_WEBHOOK_POST_OUTPUT: `${prefix}/job-done/${workerId}/$ID?${query}`,
    RUNPOD_WEBHOOK_POST_STREAM: `${prefix}/job-stream/${workerId}/$ID?${query}`,
    RUNPOD_WEBHOOK_PING: `${prefix}/ping/${workerId}?${query}`,
    RUNPOD_WEBHOOK_JOB_STOP: `${prefix}/job-stop/${workerId}?${query}`,
    RUNPOD_AI_API_KEY: options.apiKey,
    RUNPOD_POD_ID: workerId,
    RUNPOD_PING_INTERVAL: String(options.pingIntervalMs ?? 10_000),
  };
  if (options.endpointId !== undefined) env['RUNPOD_ENDPOINT_ID'] = options.endpointId;
  if (options.image !== undefined) env['RUNPOD_WORKER_IMAGE'] = options.image;
  return env;
}
