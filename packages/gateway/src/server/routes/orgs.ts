import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import {
  type ApiKeyChanges,
  createApiKey,
  listOrgApiKeys,
  monthOf,
  requireApiKey,
  revokeApiKey,
  updateApiKey,
} from '../../accounts/index.ts';
import { getBalance, listLedger, microToCredits } from '../../billing/index.ts';
import { keysMonthSpend } from '../../billing/key-budget.ts';
import { GatewayError } from '../../errors/index.ts';
import {
  allows,
  createInvitation,
  createOrg,
  deleteOrg,
  findMembership,
  invitationTtlMs,
  listMembers,
  listPendingInvitations,
  listUserOrgs,
  type OrgAction,
  permissionMatrix,
  removeMember,
  renameOrg,
  respondToInvitation,
  revokeInvitation,
  roles,
  setMemberRole,
  transferOwnership,
} from '../../orgs/index.ts';
import { auditRequest } from '../audit-context.ts';
import { membershipOf, orgAccess } from '../org-access.ts';
import type { Services } from '../services.ts';
import { validate, validateBody } from '../validate-body.ts';
import {
  auditedKey,
  createKeySchema,
  keyView,
  setKeyWebhook,
  toMicro,
  updateKeySchema,
} from './account-keys.ts';
import { registerUsageEndpoints } from './account-usage.ts';
import { registerAuditEndpoints } from './audit.ts';
import { redeemForWallet } from './redeem-code.ts';

const nameSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();
const memberRole = z.enum(['admin', 'developer', 'billing', 'viewer']);
const inviteSchema = z.object({ email: z.string().trim().min(3).max(320), role: memberRole }).strict();
const roleSchema = z.object({ role: memberRole }).strict();
const transferSchema = z.object({ userId: z.string().min(1).max(64) }).strict();
const tokenSchema = z.object({ token: z.string().min(10).max(200) }).strict();
const ledgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().max(64).optional(),
});
const memberQuery = z.object({ member: z.string().max(64).optional() }).passthrough();

const at = (action: OrgAction) => ({ config: { orgAction: action } });
const params = (request: FastifyRequest) => request.params as Record<string, string>;

/**
 * /api/orgs: create and list (any signed-in user), invitations answered by their addressee,
 * and everything under /api/orgs/:orgId, each route naming its permission-matrix action and
 * let in by `orgAccess` alone.
 */
/**
 * More routes under /api/orgs/:orgId/… behind the same gate (the SSO settings): each
 * declares its action with `{ config: { orgAction: 'sso.manage' } }` and reads the
 * caller's org with `membershipOf(request)`.
 */
export type OrgScopedRoutes = (org: FastifyInstance, services: Services) => void;

export function registerOrgRoutes(
  app: FastifyInstance,
  services: Services,
  extraRoutes: readonly OrgScopedRoutes[] = [],
): void {
  const { db, keys } = services;
  const userOf = (request: FastifyRequest) => request.hypereal.session!.userId;

  app.post('/api/orgs', async (request, reply) => {
    const input = validateBody(nameSchema, request);
    const org = await createOrg(db, { name: input.name, ownerId: userOf(request) });
    await auditRequest(services, request, {
      scope: { orgId: org.id },
      action: 'org.created',
      targetType: 'org',
      targetId: org.id,
      after: { name: org.name, slug: org.slug },
    });
    reply.code(201);
    return { id: org.id, slug: org.slug, name: org.name, role: 'owner' };
  });
  app.get('/api/orgs', async (request) => ({
    data: (await listUserOrgs(db, userOf(request))).map(({ org, role }) => ({
      id: org.id,
      slug: org.slug,
      name: org.name,
      role,
    })),
  }));
  app.get('/api/orgs/permissions', async () => ({ roles, matrix: permissionMatrix }));

  for (const accept of [true, false]) {
    app.post(`/api/invitations/${accept ? 'accept' : 'decline'}`, async (request) => {
      const { token } = validateBody(tokenSchema, request);
      const session = request.hypereal.session!;
      const invitation = await respondToInvitation(db, {
        token,
        userId: session.userId,
        email: session.email,
        accept,
      });
      await auditRequest(services, request, {
        scope: { orgId: invitation.orgId },
        action: accept ? 'member.joined' : 'invitation.declined',
        targetType: 'user',
        targetId: session.userId,
        after: { email: invitation.email, role: invitation.role },
      });
      const membership = accept ? await findMembership(db, invitation.orgId, session.userId) : null;
      return {
        orgId: invitation.orgId,
        status: invitation.status,
        role: membership?.role ?? null,
        org: membership
          ? { id: membership.org.id, slug: membership.org.slug, name: membership.org.name }
          : null,
      };
    });
  }

  app.register(async (org) => {
    org.addHook('preHandler', orgAccess(services));
    const orgIdOf = (request: FastifyRequest) => membershipOf(request).org.id;
    const audit = (request: FastifyRequest, input: Omit<Parameters<typeof auditRequest>[2], 'scope'>) =>
      auditRequest(services, request, { scope: { orgId: orgIdOf(request) }, ...input });

    org.get('/api/orgs/:orgId', at('org.view'), async (request) => {
      const { org: found, role } = membershipOf(request);
      const wallet = allows(role, 'billing.view')
        ? {
            balance: microToCredits(found.balanceMicro),
            held: microToCredits(found.heldMicro),
            available: microToCredits(found.balanceMicro - found.heldMicro),
          }
        : null;
      const can = Object.fromEntries(
        (Object.keys(permissionMatrix) as OrgAction[]).map((action) => [action, allows(role, action)]),
      );
      return {
        id: found.id,
        slug: found.slug,
        name: found.name,
        role,
        createdAt: found.createdAt,
        wallet,
        can,
      };
    });
    org.patch('/api/orgs/:orgId', at('org.rename'), async (request) => {
      const input = validateBody(nameSchema, request);
      const before = membershipOf(request).org.name;
      const name = await renameOrg(db, orgIdOf(request), input.name);
      await audit(request, {
        action: 'org.renamed',
        targetType: 'org',
        targetId: orgIdOf(request),
        before: { name: before },
        after: { name },
      });
      return { id: orgIdOf(request), name };
    });
    org.delete('/api/orgs/:orgId', at('org.delete'), async (request) => {
      const { org: found } = membershipOf(request);
      const result = await deleteOrg(db, found.id);
      keys.invalidate({ orgId: found.id });
      await audit(request, {
        action: 'org.deleted',
        targetType: 'org',
        targetId: found.id,
        before: { name: found.name, balance: microToCredits(found.balanceMicro) },
        after: { keysRevoked: result.keysRevoked },
      });
      return { id: found.id, deleted: true, keysRevoked: result.keysRevoked };
    });
    org.post('/api/orgs/:orgId/transfer', at('org.transfer'), async (request) => {
      const input = validateBody(transferSchema, request);
      const { previousRole } = await transferOwnership(db, orgIdOf(request), userOf(request), input.userId);
      await audit(request, {
        action: 'org.ownership_transferred',
        targetType: 'user',
        targetId: input.userId,
        before: { owner: userOf(request), role: previousRole },
        after: { owner: input.userId, previousOwnerRole: 'admin' },
      });
      return { ownerId: input.userId };
    });
    org.post('/api/orgs/:orgId/leave', at('org.view'), async (request) => {
      const role = await removeMember(db, orgIdOf(request), userOf(request));
      await audit(request, {
        action: 'member.left',
        targetType: 'user',
        targetId: userOf(request),
        before: { role },
      });
      return { left: true };
    });

    org.get('/api/orgs/:orgId/members', at('members.view'), async (request) => {
      const { role } = membershipOf(request);
      const members = await listMembers(db, orgIdOf(request));
      const invitations = allows(role, 'members.invite')
        ? await listPendingInvitations(db, orgIdOf(request))
        : [];
      return {
        data: members.map((member) => ({
          userId: member.userId,
          email: member.email,
          role: member.role,
          joinedAt: member.joinedAt,
        })),
        invitations: invitations.map((invitation) => ({
          id: invitation.id,
          email: invitation.email,
          role: invitation.role,
          createdAt: invitation.createdAt,
          expiresAt: invitation.expiresAt,
        })),
      };
    });
    org.post('/api/orgs/:orgId/invitations', at('members.invite'), async (request, reply) => {
      const input = validateBody(inviteSchema, request);
      const { org: found } = membershipOf(request);
      const session = request.hypereal.session!;
      const { invitation, token } = await createInvitation(db, {
        orgId: found.id,
        email: input.email,
        role: input.role,
        invitedBy: session.userId,
      });
      const base = services.config.publicUrl ?? `${request.protocol}://${request.host}`;
      const link = `${base}/settings/organization?invite=${encodeURIComponent(token)}`;
      await services.mailer.send({
        to: invitation.email,
        subject: `${session.email} invited you to ${found.name} on Hypereal`,
        text: [
          `${session.email} invited you to join ${found.name} on Hypereal as ${invitation.role}.`,
          '',
          `Accept or decline: ${link}`,
          '',
          `The link works once and expires in ${Math.round(invitationTtlMs / 86_400_000)} days. Sign in (or ask the operator for an account) with ${invitation.email} to accept it.`,
        ].join('\n'),
      });
      await audit(request, {
        action: 'member.invited',
        targetType: 'invitation',
        targetId: invitation.id,
        after: { email: invitation.email, role: invitation.role },
      });
      reply.code(201);
      return {
        id: invitation.id,
        email: invitation.email,
        role: invitation.role,
        expiresAt: invitation.expiresAt,
      };
    });
    org.delete('/api/orgs/:orgId/invitations/:invitationId', at('members.invite'), async (request) => {
      const invitation = await revokeInvitation(db, orgIdOf(request), params(request)['invitationId'] ?? '');
      await audit(request, {
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: invitation.id,
        before: { email: invitation.email, role: invitation.role },
      });
      return { id: invitation.id, revoked: true };
    });
    org.patch('/api/orgs/:orgId/members/:userId', at('members.role'), async (request) => {
      const { role } = validateBody(roleSchema, request);
      const target = params(request)['userId'] ?? '';
      const before = await setMemberRole(db, orgIdOf(request), target, role);
      await audit(request, {
        action: 'member.role_changed',
        targetType: 'user',
        targetId: target,
        before: { role: before },
        after: { role },
      });
      return { userId: target, role };
    });
    org.delete('/api/orgs/:orgId/members/:userId', at('members.remove'), async (request) => {
      const target = params(request)['userId'] ?? '';
      const before = await removeMember(db, orgIdOf(request), target);
      await audit(request, {
        action: 'member.removed',
        targetType: 'user',
        targetId: target,
        before: { role: before },
      });
      return { userId: target, removed: true };
    });

    const keyView_ = async (key: Parameters<typeof keyView>[0]) => {
      const spent = await keysMonthSpend(db, [key.id], monthOf(Date.now()));
      return { ...keyView(key, spent.get(key.id) ?? 0), createdBy: key.user_id };
    };
    const keyDetails = auditedKey;
    org.get('/api/orgs/:orgId/api-keys', at('keys.view'), async (request) => {
      const list = await listOrgApiKeys(db, orgIdOf(request));
      const spent = await keysMonthSpend(
        db,
        list.map((key) => key.id),
        monthOf(Date.now()),
      );
      return {
        data: list.map((key) => ({ ...keyView(key, spent.get(key.id) ?? 0), createdBy: key.user_id })),
      };
    });
    org.post('/api/orgs/:orgId/api-keys', at('keys.create'), async (request, reply) => {
      const input = validateBody(createKeySchema, request);
      const { secret, record } = await createApiKey(db, {
        userId: userOf(request),
        orgId: orgIdOf(request),
        name: input.name,
        spendingLimitMicro: toMicro(input.spendingLimit) ?? null,
        autoDisable: input.autoDisable ?? false,
      });
      await audit(request, {
        action: 'key.created',
        targetType: 'api_key',
        targetId: record.id,
        after: { ...keyDetails(record), prefix: record.prefix },
      });
      reply.code(201).header('cache-control', 'no-store');
      return { ...keyView(record, 0), createdBy: record.user_id, key: secret };
    });
    org.patch('/api/orgs/:orgId/api-keys/:keyId', at('keys.update'), async (request) => {
      const input = validateBody(updateKeySchema, request);
      const owner = { orgId: orgIdOf(request) };
      const before = await requireApiKey(db, owner, params(request)['keyId'] ?? '');
      const changes: ApiKeyChanges = {};
      if (input.name !== undefined) changes.name = input.name;
      if (input.spendingLimit !== undefined) changes.spendingLimitMicro = toMicro(input.spendingLimit)!;
      if (input.autoDisable !== undefined) changes.autoDisable = input.autoDisable;
      if (input.disabled !== undefined) changes.disabled = input.disabled;
      if (input.webhookUrl !== undefined) {
        // Where an org key's job events go is the org's webhook: its own permission.
        const { org: found, role } = membershipOf(request);
        if (!allows(role, 'webhooks.manage')) {
          throw new GatewayError('forbidden', {
            message: `Your role in ${found.name} (${role}) does not allow webhooks.manage.`,
          });
        }
        await setKeyWebhook(services, before.id, input.webhookUrl);
      }
      const after = await updateApiKey(db, owner, before.id, changes);
      keys.invalidate({ keyId: before.id });
      await audit(request, {
        action: 'key.updated',
        targetType: 'api_key',
        targetId: before.id,
        before: keyDetails(before),
        after: keyDetails(after),
      });
      return keyView_(after);
    });
    org.delete('/api/orgs/:orgId/api-keys/:keyId', at('keys.delete'), async (request) => {
      const owner = { orgId: orgIdOf(request) };
      const before = await requireApiKey(db, owner, params(request)['keyId'] ?? '');
      const after = await revokeApiKey(db, owner, before.id);
      keys.invalidate({ keyId: before.id });
      await audit(request, {
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: before.id,
        before: keyDetails(before),
        after: keyDetails(after),
      });
      return keyView_(after);
    });

    org.get('/api/orgs/:orgId/credits', at('billing.view'), async (request) => {
      const balance = await getBalance(db, userOf(request), orgIdOf(request));
      return {
        balance: microToCredits(balance.balanceMicro),
        held: microToCredits(balance.heldMicro),
        available: microToCredits(balance.availableMicro),
      };
    });
    org.get('/api/orgs/:orgId/credits/ledger', at('billing.view'), async (request) => {
      const query = validate(ledgerQuery, request.query);
      const rows = await listLedger(db, userOf(request), query.limit + 1, query.before, orgIdOf(request));
      const page = rows.slice(0, query.limit);
      return {
        data: page.map((row) => ({
          id: row.id,
          amount: microToCredits(Number(row.amount_micro)),
          balanceAfter: microToCredits(Number(row.balance_after_micro)),
          kind: row.kind,
          description: row.description,
          requestId: row.request_id,
          userId: row.user_id,
          createdAt: Number(row.created_at),
        })),
        nextBefore: rows.length > query.limit ? page[page.length - 1]!.id : null,
      };
    });
    org.post('/api/orgs/:orgId/credits/redeem', at('billing.manage'), (request) =>
      redeemForWallet(services, request, userOf(request), orgIdOf(request), (entry) => audit(request, entry)),
    );

    registerUsageEndpoints(org, services, {
      path: '/api/orgs/:orgId/usage',
      config: { orgAction: 'usage.view' },
      scopeOf: (request) => {
        const { member } = validate(memberQuery, request.query);
        return { orgId: orgIdOf(request), userId: member || undefined };
      },
      filename: (request) => `hypereal-usage-${membershipOf(request).org.slug}`,
    });
    registerAuditEndpoints(org, services, {
      path: '/api/orgs/:orgId/audit',
      config: { orgAction: 'audit.view' },
      scopeOf: (request) => ({ orgId: orgIdOf(request) }),
      filename: (request) => `hypereal-audit-${membershipOf(request).org.slug}`,
    });
    for (const register of extraRoutes) register(org, services);
  });
}
