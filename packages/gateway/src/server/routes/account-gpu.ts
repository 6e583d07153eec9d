import type { FastifyInstance, FastifyRequest } from 'fastify';
import { defaultDeploymentBackend } from '../../gpu/backends.ts';
import {
  createOwnerDeployment,
  deleteOwnerDeployment,
  getOwnerDeployment,
  listOwnerDeployments,
  updateOwnerDeployment,
} from '../../gpu/deployments.ts';
import type { GpuOwner } from '../../gpu/deployments-store.ts';
import { listGpuJobs } from '../../gpu/gpu-jobs-store.ts';
import { deploymentJson, gpuJobJson, gpuModelsJson, gpuTiersJson } from '../../gpu/gpu-json.ts';
import { outputLinker } from '../output-linker.ts';
import type { Services } from '../services.ts';

/** Jobs a deployment's row on /infra/deployments lists, newest first. */
const recentJobs = 20;

/**
 * The dashboard's GPU pages: GET /api/gpu/models and /api/gpu/tiers (/gpu-recommend; the
 * answers of GET /v1/gpu/models and /v1/gpu/tiers), GET /api/gpu/backends (where a new
 * deployment may run), and the signed-in user's personal
 * deployments (/infra/deployments): GET/POST /api/deployments, PATCH/DELETE
 * /api/deployments/{slug} (the same service and checks as /v1/deployments) and
 * GET /api/deployments/{slug}/jobs (its recent jobs with execution time and credits charged).
 * Another user's deployment is a 404.
 */
export function registerAccountGpuRoutes(app: FastifyInstance, services: Services): void {
  const ownerOf = (request: FastifyRequest): GpuOwner => ({
    userId: request.hypereal.session!.userId,
    orgId: null,
  });
  const slugOf = (request: FastifyRequest) => (request.params as { slug: string }).slug;
  const json = (request: FastifyRequest) => (request.body as { json?: unknown } | undefined)?.json;
  const linker = outputLinker(services);

  app.get('/api/gpu/models', async () => gpuModelsJson(services.config));
  app.get('/api/gpu/tiers', async () => gpuTiersJson(services.config));
  // Where a new deployment can run: RunPod (when its key is set) and/or the self-hosted pool.
  app.get('/api/gpu/backends', async () => {
    const fallback = defaultDeploymentBackend(services.config);
    return {
      object: 'list',
      data: [...services.config.gpu.apis].flatMap(([id, kind]) => {
        const usable =
          services.gpuBackends.has(id) &&
          (kind !== 'runpod' || Boolean(services.config.providers.get(id)?.apiKey));
        return usable ? [{ id, kind, default: id === fallback }] : [];
      }),
    };
  });

  app.get('/api/deployments', async (request) => ({
    object: 'list',
    data: (await listOwnerDeployments(services, ownerOf(request))).map((deployment) =>
      deploymentJson(services.config, deployment),
    ),
  }));
  app.post('/api/deployments', async (request, reply) => {
    const deployment = await createOwnerDeployment(services, ownerOf(request), json(request));
    reply.code(201);
    return deploymentJson(services.config, deployment);
  });
  app.patch('/api/deployments/:slug', async (request) =>
    deploymentJson(
      services.config,
      await updateOwnerDeployment(services, ownerOf(request), slugOf(request), json(request)),
    ),
  );
  app.delete('/api/deployments/:slug', async (request) => {
    const deleted = await deleteOwnerDeployment(services, ownerOf(request), slugOf(request));
    return { id: deleted.id, object: 'deployment', slug: deleted.slug, deleted: true };
  });
  app.get('/api/deployments/:slug/jobs', async (request) => {
    const owner = ownerOf(request);
    const deployment = await getOwnerDeployment(services, owner, slugOf(request), { refresh: false });
    const jobs = await listGpuJobs(services.db, owner, { deploymentId: deployment.id, limit: recentJobs });
    const link = linker(request);
    return {
      object: 'list',
      data: jobs.map(({ job, run }) => gpuJobJson(job, run, link, services.config.jobs.outputRetentionMs)),
    };
  });
}
