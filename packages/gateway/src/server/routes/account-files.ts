import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { validate } from '../validate-body.ts';
import { fileView, listQuerySchema } from './files.ts';

/**
 * The dashboard's view of the signed-in user's stored files (the Files section of /jobs):
 * GET /api/files (newest first, `kind` filter, `cursor` paging, a signed `url` each) and
 * DELETE /api/files/{id}. Same shapes as /v1/storage/files; every lookup is by owner, so
 * another user's file is a 404. The session hook checks the CSRF token on the DELETE.
 */
export function registerAccountFileRoutes(app: FastifyInstance, services: Services): void {
  const userOf = (request: FastifyRequest) => request.hypereal.session!.userId;
  app.get('/api/files', async (request) => {
    const query = validate(listQuerySchema, request.query);
    const page = await services.files.list(userOf(request), query);
    return {
      data: page.files.map((file) => fileView(services, request, file)),
      nextCursor: page.nextCursor,
    };
  });
  app.delete('/api/files/:id', async (request) => {
    const { id } = request.params as { id: string };
    await services.files.delete(userOf(request), id);
    return { id, deleted: true };
  });
}
