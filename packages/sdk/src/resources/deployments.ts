import type { RequestOptions } from '../core/http.ts';
import type {
  Deployment,
  DeploymentCreateParams,
  DeploymentDeleted,
  DeploymentJob,
  DeploymentList,
  DeploymentRunParams,
  DeploymentUpdateParams,
  GpuBackend,
  GpuJob,
} from '../types/gpu.ts';
import { Resource, segment } from './resource.ts';

/** Deployments of your own worker image (e.g. a ComfyUI worker): `/v1/deployments`. */
export class Deployments extends Resource {
  list(options: RequestOptions = {}): Promise<DeploymentList> {
    return this.http.json<DeploymentList>({ method: 'GET', path: '/v1/deployments' }, options);
  }

  /** Creates (provisions) a deployment; idempotent across retries. */
  create(params: DeploymentCreateParams, options: RequestOptions = {}): Promise<Deployment> {
    return this.http.json<Deployment>(
      { method: 'POST', path: '/v1/deployments', json: params, idempotent: true },
      options,
    );
  }

  get(slug: string, options: RequestOptions = {}): Promise<Deployment> {
    return this.http.json<Deployment>({ method: 'GET', path: `/v1/deployments/${segment(slug)}` }, options);
  }

  update(slug: string, params: DeploymentUpdateParams, options: RequestOptions = {}): Promise<Deployment> {
    return this.http.json<Deployment>(
      { method: 'PATCH', path: `/v1/deployments/${segment(slug)}`, json: params },
      options,
    );
  }

  /** Removes the deployment (and its endpoint at the backend). */
  delete(slug: string, options: RequestOptions = {}): Promise<DeploymentDeleted> {
    return this.http.json<DeploymentDeleted>(
      { method: 'DELETE', path: `/v1/deployments/${segment(slug)}` },
      options,
    );
  }

  /**
   * Runs a job on the deployment (`POST /v1/gpu/run/{slug}`): async by default (poll with
   * `client.gpu.jobs.wait(job_id)`), or `sync: true` to wait inline up to 240 s. Idempotent.
   */
  run(slug: string, params: DeploymentRunParams, options: RequestOptions = {}): Promise<DeploymentJob> {
    return this.http.json<DeploymentJob>(
      { method: 'POST', path: `/v1/gpu/run/${segment(slug)}`, json: params, idempotent: true },
      options,
    );
  }

  /** A deployment's recent jobs, newest first (the dashboard's view; needs a signed-in session). */
  async recentJobs(slug: string, options: RequestOptions = {}): Promise<GpuJob[]> {
    const page = await this.http.json<{ data: GpuJob[] }>(
      { method: 'GET', path: `/api/deployments/${segment(slug)}/jobs`, auth: 'session' },
      options,
    );
    return page.data;
  }

  /** Where a new deployment can run (RunPod when configured, the self-hosted pool); needs a session. */
  async backends(options: RequestOptions = {}): Promise<GpuBackend[]> {
    const page = await this.http.json<{ data: GpuBackend[] }>(
      { method: 'GET', path: '/api/gpu/backends', auth: 'session' },
      options,
    );
    return page.data;
  }
}
