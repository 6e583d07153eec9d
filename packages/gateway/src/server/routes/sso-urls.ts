import type { FastifyRequest } from 'fastify';
import type { SpEndpoints } from '../../sso/index.ts';
import type { Services } from '../services.ts';

/** Where IdPs and browsers reach us: `publicUrl` when set, else this request's own origin. */
export function baseUrl(services: Services, request: FastifyRequest): string {
  return (services.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

export const ssoPaths = (providerId: string) => ({
  login: `/api/auth/sso/${providerId}/login`,
  oidcCallback: `/api/auth/sso/${providerId}/callback`,
  acs: `/api/auth/sso/${providerId}`,
  metadata: `/api/auth/sso/${providerId}/metadata`,
});

export function spEndpoints(services: Services, request: FastifyRequest, providerId: string): SpEndpoints {
  const base = baseUrl(services, request);
  const paths = ssoPaths(providerId);
  return { entityId: `${base}${paths.metadata}`, acsUrl: `${base}${paths.acs}` };
}
