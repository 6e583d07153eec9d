import type { HttpClient, RequestOptions } from '../core/http.ts';
import type {
  DeploymentJob,
  GpuJob,
  GpuJobQueued,
  GpuModelList,
  GpuRunParams,
  GpuTier,
} from '../types/gpu.ts';
import { Resource, segment } from './resource.ts';
import { pollUntil, type WaitOptions } from './wait.ts';

const ended = (status: string) => !['queued', 'running'].includes(status);

export class GpuJobs extends Resource {
  /** A GPU job: a serverless model's (`id`) or a deployment's (`job_id`) shape. */
  get(id: string, options: RequestOptions = {}): Promise<GpuJob | DeploymentJob> {
    return this.http.json<GpuJob | DeploymentJob>(
      { method: 'GET', path: `/v1/gpu/jobs/${segment(id)}` },
      options,
    );
  }

  /** Cancels a queued or running GPU job (its hold is refunded). */
  cancel(id: string, options: RequestOptions = {}): Promise<GpuJob | DeploymentJob> {
    return this.http.json<GpuJob | DeploymentJob>(
      { method: 'POST', path: `/v1/gpu/jobs/${segment(id)}/cancel` },
      options,
    );
  }

  /** Polls until the job ends; returns it whatever its status. */
  wait(id: string, options: WaitOptions<GpuJob | DeploymentJob> = {}): Promise<GpuJob | DeploymentJob> {
    return pollUntil(
      (signal) => this.get(id, { ...options.request, ...(signal ? { signal } : {}) }),
      (job) => ended(job.status),
      options,
    );
  }
}

/** Catalogued serverless GPU models: `/v1/gpu/models`, `/v1/gpu/tiers`, `POST /v1/gpu/{slug}`. */
export class Gpu extends Resource {
  readonly jobs: GpuJobs;

  constructor(http: HttpClient) {
    super(http);
    this.jobs = new GpuJobs(http);
  }

  models(options: RequestOptions = {}): Promise<GpuModelList> {
    return this.http.json<GpuModelList>({ method: 'GET', path: '/v1/gpu/models' }, options);
  }

  tiers(options: RequestOptions = {}): Promise<{ data: GpuTier[] }> {
    return this.http.json<{ data: GpuTier[] }>({ method: 'GET', path: '/v1/gpu/tiers' }, options);
  }

  /**
   * Runs a model: short ones answer inline (`status: "succeeded"`), long ones 202 with a job
   * to poll (`client.gpu.jobs.wait(id)`). Idempotent across retries.
   */
  run(slug: string, params: GpuRunParams, options: RequestOptions = {}): Promise<GpuJob | GpuJobQueued> {
    return this.http.json<GpuJob | GpuJobQueued>(
      { method: 'POST', path: `/v1/gpu/${segment(slug)}`, json: params, idempotent: true },
      options,
    );
  }

  /** Runs the model and waits for its end. */
  async runAndWait(
    slug: string,
    params: GpuRunParams,
    options: WaitOptions<GpuJob | DeploymentJob> = {},
  ): Promise<GpuJob | DeploymentJob> {
    const started = await this.run(slug, params, {
      ...options.request,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (ended(started.status) && 'object' in started) return started;
    return this.jobs.wait(started.id, options);
  }
}
