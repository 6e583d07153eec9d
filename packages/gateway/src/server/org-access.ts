import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/index.ts';
import { allows, findMembership, type Membership, type OrgAction } from '../orgs/index.ts';
import type { Services } from './services.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission-matrix action an org-scoped route performs (`orgs/roles.ts`). */
    orgAction?: OrgAction;
  }
  interface FastifyRequest {
    /** The signed-in user's membership in the route's org, once `orgAccess` let the call in. */
    orgMembership?: Membership;
  }
}

/**
 * The one gate of every org-scoped route (`/api/orgs/:orgId/…`): the route declares its
 * action in `config.orgAction`; a caller who is not a member of that org (or an org that
 * does not exist or was deleted) gets 404 — another org's resources are never confirmed —
 * and a member whose role lacks the action gets 403 naming it.
 */
export function orgAccess(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    const action = request.routeOptions.config.orgAction;
    if (!action) {
      throw new GatewayError('internal_error', { message: 'Org route without a declared action.' });
    }
    const { orgId } = request.params as { orgId?: string };
    const session = request.hypereal.session;
    const membership = orgId && session ? await findMembership(services.db, orgId, session.userId) : null;
    if (!membership) throw new GatewayError('not_found', { message: `No such organisation: ${orgId ?? ''}` });
    if (!allows(membership.role, action)) {
      throw new GatewayError('forbidden', {
        message: `Your role in ${membership.org.name} (${membership.role}) does not allow ${action}.`,
      });
    }
    request.orgMembership = membership;
  };
}

export function membershipOf(request: FastifyRequest): Membership {
  const membership = request.orgMembership;
  if (!membership) throw new GatewayError('internal_error', { message: 'Org route outside orgAccess.' });
  return membership;
}

/**
 * /v1 routes whose resources still belong to a person, not an org (stored files): an org
 * key is refused there rather than reach its creator's personal files. Everything else on
 * /v1 an org key may call; what it spends comes from the org's wallet.
 */
const personalOnlyV1 = ['/v1/storage/', '/api/v1/storage/'];

/** The /v1 half of the gate, run by admission for every authenticated call. */
export function assertOrgKeyMayCall(request: FastifyRequest, orgId: string | null): void {
  if (!orgId) return;
  const route = request.routeOptions.url ?? request.url;
  if (personalOnlyV1.some((prefix) => route.startsWith(prefix))) {
    throw new GatewayError('forbidden', {
      message:
        'Organisation keys cannot use file storage yet (stored files belong to a person); use a personal key.',
    });
  }
}
