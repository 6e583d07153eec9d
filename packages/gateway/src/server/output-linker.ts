import type { FastifyRequest } from 'fastify';
import type { OutputLinker } from '../jobs/job-json.ts';
import type { Services } from './services.ts';

/** Job outputs linked with the gateway's own signed, expiring URLs, on the public URL or the request's host. */
export const outputLinker =
  (services: Services) =>
  (request: FastifyRequest): OutputLinker =>
  (fileId) =>
    services.files.signedUrl(fileId, services.config.publicUrl ?? `${request.protocol}://${request.host}`)
      .url;
