import type { Json } from '../../contracts/index.ts';
import type { Database } from '../../db/index.ts';
import { GatewayError } from '../../errors/index.ts';
import type {
  DeploymentSpec,
  EndpointInfo,
  GpuBackend,
  GpuJobStatus,
  GpuSubmission,
} from '../../providers/gpu/types.ts';
import { type SelfHostedOptions, SweepThrottle } from './pool.ts';
import { busyWorkers, cancelTask, countTasks, enqueueTask, getTask, type TaskRecord } from './tasks.ts';
import { imageEndpoint, liveWorkers, servedEndpoints } from './workers.ts';

/** Outputs are JSON objects (RunPod handlers return dicts); any other value is wrapped as `{value}`. */
function parseOutput(text: string | null): Json | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : { value };
}

export function taskStatus(task: TaskRecord): GpuJobStatus {
  const takenAt = task.taken_at === null ? undefined : Number(task.taken_at);
  const finishedAt = task.finished_at === null ? undefined : Number(task.finished_at);
  return {
    providerJobId: task.id,
    state: task.state,
    delayMs: takenAt === undefined ? undefined : takenAt - Number(task.created_at),
    // Measured by the gateway, take → done; never what a worker claims.
    executionMs:
      takenAt === undefined
        ? undefined
        : (finishedAt ?? (task.state === 'running' ? Date.now() : takenAt)) - takenAt,
    output: parseOutput(task.output),
    error: task.error ?? undefined,
  };
}

/**
 * The self-hosted GPU pool as a `GpuBackend` (provider id `workers`): jobs are rows in a queue
 * that registered workers pull from over RunPod's worker protocol (server/routes/gpu-workers.ts).
 * Endpoint ids are catalogue names (`sdxl`) or `image:<docker image>` for deployments; a
 * deployment is "provisioned" by a worker that serves its image registering.
 */
export function selfHostedBackend(db: Database, options: SelfHostedOptions): GpuBackend {
  const sweeper = new SweepThrottle(db, options.pingIntervalMs);
  const requireTask = async (endpointId: string, providerJobId: string): Promise<TaskRecord> => {
    const task = await getTask(db, providerJobId);
    if (!task || task.endpoint_id !== endpointId) {
      throw new GatewayError('not_found', {
        message: `No GPU job ${providerJobId} on endpoint ${endpointId}.`,
      });
    }
    return task;
  };
  const endpointInfo = async (endpointId: string): Promise<EndpointInfo> => {
    await sweeper.sweep();
    const serving = (await liveWorkers(db, Date.now(), options.pingIntervalMs)).filter((worker) =>
      servedEndpoints(worker).includes(endpointId),
    );
    const busy = await busyWorkers(db);
    const running = serving.filter((worker) => busy.has(worker.id)).length;
    return {
      endpointId,
      state: serving.length > 0 ? 'ready' : 'scaled_to_zero',
      workers: { idle: serving.length - running, running, initializing: 0 },
      jobs: await countTasks(db, endpointId),
    };
  };
  return {
    id: 'workers',
    async submit(endpointId: string, submission: GpuSubmission): Promise<GpuJobStatus> {
      const task = await enqueueTask(db, {
        endpointId,
        input: submission.input,
        executionTimeoutMs: submission.executionTimeoutMs,
        ttlMs: submission.ttlMs,
      });
      return taskStatus(task);
    },
    async status(endpointId: string, providerJobId: string): Promise<GpuJobStatus> {
      await sweeper.sweep();
      return taskStatus(await requireTask(endpointId, providerJobId));
    },
    async cancel(endpointId: string, providerJobId: string): Promise<void> {
      await requireTask(endpointId, providerJobId);
      // A finished job stays as it is (RunPod answers a cancel of one without changing it).
      await cancelTask(db, providerJobId);
    },
    health: (endpointId: string) => endpointInfo(endpointId),
    provision: (spec: DeploymentSpec) => endpointInfo(imageEndpoint(spec.dockerImage)),
    update: (_endpointId: string, spec: DeploymentSpec) => endpointInfo(imageEndpoint(spec.dockerImage)),
    async remove(): Promise<void> {
      // Nothing to tear down: the workers belong to their operators.
    },
  };
}
