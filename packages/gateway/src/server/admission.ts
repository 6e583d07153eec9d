import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/index.ts';
import { rateLimitHeaders } from '../limits/rate-limiter.ts';
import { extractApiKey } from './extract-key.ts';
import { assertOrgKeyMayCall } from './org-access.ts';
import type { Services } from './services.ts';

/**
 * onRequest for every /v1 route: authenticate the key, then count the call against
 * its owner's per-minute limit. Runs before the body is parsed, so an unauthenticated
 * caller costs no parsing and gets 401 whatever it sent.
 */
export function admission(services: Services) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await services.keys.authenticate(extractApiKey(request));
    request.hypereal.principal = principal;
    assertOrgKeyMayCall(request, principal.orgId);
    const limit =
      principal.rateLimitRpm ??
      services.config.rateLimits.plans[principal.plan] ??
      services.config.rateLimits.defaultRpm;
    const decision = await services.rateLimiter.hit(principal.userId, limit);
    const headers = rateLimitHeaders(decision);
    reply.headers(headers);
    if (!decision.allowed) {
      throw new GatewayError('rate_limited', {
        message: `Rate limit exceeded: ${limit} requests per minute for this account. Retry in ${decision.resetSeconds} s.`,
        headers: { ...headers, 'retry-after': String(decision.resetSeconds) },
      });
    }
  };
}
