import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import { isOrgRole } from '../../orgs/index.ts';
import {
  deleteProvider,
  discoverIssuer,
  findProvider,
  isDomainName,
  listOrgProviders,
  markDomainVerified,
  ownerEmails,
  ownerOnDomain,
  parseIdpMetadata,
  recordSsoAudit,
  type SsoProvider,
  saveProvider,
  txtRecordName,
  txtRecordPresent,
  txtRecordValue,
} from '../../sso/index.ts';
import { membershipOf } from '../org-access.ts';
import type { Services } from '../services.ts';
import { validateBody } from '../validate-body.ts';
import type { OrgScopedRoutes } from './orgs.ts';
import { baseUrl, spEndpoints, ssoPaths } from './sso-urls.ts';

const domainField = z
  .string()
  .max(253)
  .transform((value) => value.trim().toLowerCase().replace(/^@/, ''))
  .refine(isDomainName, 'expected a domain name such as acme.com');
const defaultRoleField = z
  .string()
  .refine((role) => isOrgRole(role) && role !== 'owner', 'one of admin, developer, billing, viewer')
  .optional();
const saveSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('oidc'),
    issuer: z.string().min(1).max(2000),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(2000),
    domain: domainField,
    ssoOnly: z.boolean().optional(),
    defaultRole: defaultRoleField,
  }),
  z.object({
    type: z.literal('saml'),
    metadataXml: z.string().min(1).max(200_000),
    domain: domainField,
    ssoOnly: z.boolean().optional(),
    defaultRole: defaultRoleField,
  }),
]);

/**
 * An org's SSO providers, registered through the organisations routes (`OrgScopedRoutes`),
 * so the one gate `orgAccess` applies: `sso.view` and `sso.manage` in the permission matrix
 * (Owner and Admin), 404 for another org.
 */
export const registerOrgSsoRoutes: OrgScopedRoutes = (org, services) => registerRoutes(org, services);

const at = (orgAction: 'sso.view' | 'sso.manage') => ({ config: { orgAction } });

function registerRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services;
  const fetch = guardedFetch({ allowPrivate: services.config.network.allowPrivate });
  const actorOf = (request: FastifyRequest) => request.hypereal.session!.userId;

  function view(request: FastifyRequest, provider: SsoProvider) {
    const base = baseUrl(services, request);
    const paths = ssoPaths(provider.id);
    const common = {
      id: provider.id,
      type: provider.type,
      domain: provider.domain,
      ssoOnly: provider.ssoOnly,
      defaultRole: provider.defaultRole,
      checked: provider.checkedAt !== null,
      checkedAt: provider.checkedAt,
      domainVerified: provider.domainVerifiedAt !== null,
      domainVerifiedBy: provider.domainVerifiedBy,
      domainVerification: {
        txtName: txtRecordName(provider.domain),
        txtValue: txtRecordValue(provider.domainToken),
      },
      loginUrl: `${base}${paths.login}`,
    };
    if (provider.type === 'oidc')
      return {
        ...common,
        issuer: provider.settings.issuer,
        clientId: provider.settings.clientId,
        redirectUri: `${base}${paths.oidcCallback}`,
      };
    const sp = spEndpoints(services, request, provider.id);
    return {
      ...common,
      idpEntityId: provider.settings.idpEntityId,
      idpSsoUrl: provider.settings.ssoUrl,
      acsUrl: sp.acsUrl,
      entityId: sp.entityId,
      metadataUrl: sp.entityId,
    };
  }

  const audit = (request: FastifyRequest, orgId: string, action: string, targetId: string, after?: unknown) =>
    recordSsoAudit(db, {
      orgId,
      actorUserId: actorOf(request),
      action,
      targetId,
      ...(after === undefined ? {} : { after }),
      ip: request.ip,
      userAgent: request.headers['user-agent'],
    });

  app.get<{ Params: { orgId: string } }>('/api/orgs/:orgId/sso', at('sso.view'), async (request) => {
    const providers = await listOrgProviders(db, request.params.orgId);
    return { data: providers.map((provider) => view(request, provider)) };
  });

  app.post<{ Params: { orgId: string } }>(
    '/api/orgs/:orgId/sso',
    at('sso.manage'),
    async (request, reply) => {
      const orgId = membershipOf(request).org.id;
      const input = validateBody(saveSchema, request);
      const ssoOnly = input.ssoOnly ?? false;
      const defaultRole =
        input.defaultRole !== undefined && isOrgRole(input.defaultRole) ? input.defaultRole : 'viewer';
      let provider =
        input.type === 'oidc'
          ? await saveProvider(db, {
              orgId,
              domain: input.domain,
              ssoOnly,
              defaultRole,
              type: 'oidc',
              settings: await discoverIssuer(input, fetch),
            })
          : await saveProvider(db, {
              orgId,
              domain: input.domain,
              ssoOnly,
              defaultRole,
              type: 'saml',
              settings: await parseIdpMetadata(input.metadataXml),
            });
      if (provider.domainVerifiedAt === null) {
        const owner = ownerOnDomain(await ownerEmails(db, orgId), provider.domain);
        if (owner && (await markDomainVerified(db, provider.id, `owner:${owner}`)))
          provider = (await findProvider(db, provider.id))!;
      }
      const shown = view(request, provider);
      await audit(request, orgId, 'sso.provider_saved', provider.id, {
        type: shown.type,
        domain: shown.domain,
        ssoOnly: shown.ssoOnly,
        defaultRole: provider.defaultRole,
      });
      return reply.code(200).send(shown);
    },
  );

  app.post<{ Params: { orgId: string; providerId: string } }>(
    '/api/orgs/:orgId/sso/:providerId/verify-domain',
    at('sso.manage'),
    async (request) => {
      const { providerId } = request.params;
      const orgId = membershipOf(request).org.id;
      const provider = await findProvider(db, providerId);
      if (!provider || provider.orgId !== orgId) throw new GatewayError('not_found');
      if (provider.domainVerifiedAt === null) {
        const present = await txtRecordPresent(provider.domain, provider.domainToken, services.resolveTxt);
        if (!present)
          throw new GatewayError('invalid_request', {
            message: `No TXT record ${txtRecordValue(provider.domainToken)} at ${txtRecordName(provider.domain)} yet.`,
          });
        if (!(await markDomainVerified(db, provider.id, 'dns-txt')))
          throw new GatewayError('invalid_request', {
            message: `Another organisation already holds the claim on ${provider.domain}.`,
          });
        await audit(request, orgId, 'sso.domain_verified', provider.id, { domain: provider.domain });
      }
      return view(request, (await findProvider(db, providerId))!);
    },
  );

  app.delete<{ Params: { orgId: string; providerId: string } }>(
    '/api/orgs/:orgId/sso/:providerId',
    at('sso.manage'),
    async (request, reply) => {
      const { providerId } = request.params;
      const orgId = membershipOf(request).org.id;
      const provider = await findProvider(db, providerId);
      if (!provider || provider.orgId !== orgId) throw new GatewayError('not_found');
      await deleteProvider(db, providerId);
      await audit(request, orgId, 'sso.provider_deleted', providerId);
      return reply.code(204).send();
    },
  );
}
