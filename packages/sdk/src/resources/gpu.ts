import type { HttpClient, RequestOptions } from '../core/http.ts';
import { cursorPages, type PagePromise } from '../core/pagination.ts';
import type {
  DeploymentJob,
  GpuJob,
  GpuJobListPage,
  GpuJobListParams,
  GpuJobQueued,
  GpuModelList,
  GpuRunParams,
  GpuTierList,
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

  /** GPU jobs, newest first (`deployment` narrows to one); `for await` walks every page. */
  list(params: GpuJobListParams = {}, options: RequestOptions = {}): PagePromise<GpuJob | DeploymentJob> {
    return cursorPages<GpuJob | DeploymentJob, string>(async (before) => {
      const page = await this.http.json<GpuJobListPage>(
        {
          method: 'GET',
          path: '/v1/gpu/jobs',
          query: { deployment: params.deployment, state: params.status, limit: params.limit, before },
        },
        options,
      );
      return { data: page.data, next: page.hasMore && page.nextBefore ? page.nextBefore : null };
    }, params.before);
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

  /** GPU pools and their price per second (what a deployment's `gpuTypes` names). */
  tiers(options: RequestOptions = {}): Promise<GpuTierList> {
    return this.http.json<GpuTierList>({ method: 'GET', path: '/v1/gpu/tiers' }, options);
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
    if (ended(started.status)) return started as GpuJob;
    return this.jobs.wait(started.id, options);
  }
}
