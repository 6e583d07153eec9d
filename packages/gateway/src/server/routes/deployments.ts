import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createOwnerDeployment,
  deleteOwnerDeployment,
  getOwnerDeployment,
  listOwnerDeployments,
  updateOwnerDeployment,
} from '../../gpu/deployments.ts';
import { deploymentJson } from '../../gpu/gpu-json.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';
import { assertMayManageGpu, ownerOf } from './gpu.ts';

/**
 * Deployments (docs/api-contract.md §10): GET/POST /v1/deployments, GET/PATCH/DELETE
 * /v1/deployments/{slug}. A deployment belongs to the key's owner (an org key's to the org,
 * changed only under `gpu.manage`); anyone else's is a 404. Also under /api/v1.
 */
export function registerDeploymentRoutes(app: FastifyInstance, services: Services): void {
  const slugOf = (request: FastifyRequest) => (request.params as { slug: string }).slug;
  const json = (request: FastifyRequest) => (request.body as { json?: unknown } | undefined)?.json;

  for (const path of v1Paths('/deployments')) {
    app.get(path, async (request) => ({
      object: 'list',
      data: (await listOwnerDeployments(services, ownerOf(request))).map((deployment) =>
        deploymentJson(services.config, deployment),
      ),
    }));
    app.post(path, async (request, reply) => {
      await assertMayManageGpu(services, request);
      const deployment = await createOwnerDeployment(services, ownerOf(request), json(request));
      reply.code(201).header('location', `/v1/deployments/${deployment.slug}`);
      return deploymentJson(services.config, deployment);
    });
  }
  for (const path of v1Paths('/deployments/:slug')) {
    app.get(path, async (request) =>
      deploymentJson(services.config, await getOwnerDeployment(services, ownerOf(request), slugOf(request))),
    );
    app.patch(path, async (request) => {
      await assertMayManageGpu(services, request);
      return deploymentJson(
        services.config,
        await updateOwnerDeployment(services, ownerOf(request), slugOf(request), json(request)),
      );
    });
    app.delete(path, async (request) => {
      await assertMayManageGpu(services, request);
      const deleted = await deleteOwnerDeployment(services, ownerOf(request), slugOf(request));
      return { id: deleted.id, object: 'deployment', slug: deleted.slug, deleted: true };
    });
  }
}
