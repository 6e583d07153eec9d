import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../../errors/index.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import {
  deleteProvider,
  discoverIssuer,
  findProvider,
  isDomainName,
  listOrgProviders,
  markDomainVerified,
  ownerOnDomain,
  parseIdpMetadata,
  type SsoProvider,
  saveProvider,
  ssoAdminRoles,
  txtRecordName,
  txtRecordPresent,
  txtRecordValue,
} from '../../sso/index.ts';
import type { Services } from '../services.ts';
import { validateBody } from '../validate-body.ts';
import { baseUrl, spEndpoints, ssoPaths } from './sso-urls.ts';

const domainField = z
  .string()
  .max(253)
  .transform((value) => value.trim().toLowerCase().replace(/^@/, ''))
  .refine(isDomainName, 'expected a domain name such as acme.com');
const saveSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('oidc'),
    issuer: z.string().min(1).max(2000),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(2000),
    domain: domainField,
    ssoOnly: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('saml'),
    metadataXml: z.string().min(1).max(200_000),
    domain: domainField,
    ssoOnly: z.boolean().optional(),
  }),
]);

/** An org's SSO providers: Owner and Admin only (403 naming the action; 404 for another org). */
export function registerOrgSsoRoutes(app: FastifyInstance, services: Services): void {
  const { db, orgs } = services;
  const fetch = guardedFetch({ allowPrivate: services.config.network.allowPrivate });

  async function authorise(request: FastifyRequest, orgId: string, action: string): Promise<string> {
    const session = request.hypereal.session!;
    const role = await orgs.roleOf(orgId, session.userId);
    if (role === null) throw new GatewayError('not_found', { message: 'No organisation with this id.' });
    if (!ssoAdminRoles.has(role))
      throw new GatewayError('forbidden', { message: `Your role (${role}) may not ${action}.` });
    return session.userId;
  }

  function view(request: FastifyRequest, provider: SsoProvider) {
    const base = baseUrl(services, request);
    const paths = ssoPaths(provider.id);
    const common = {
      id: provider.id,
      type: provider.type,
      domain: provider.domain,
      ssoOnly: provider.ssoOnly,
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

  const audit = (
    request: FastifyRequest,
    orgId: string,
    actor: string,
    action: string,
    target: string,
    after?: unknown,
  ) =>
    orgs.recordAudit({
      orgId,
      actorUserId: actor,
      action,
      target,
      ...(after === undefined ? {} : { after }),
      ip: request.ip,
      ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
    });

  app.get<{ Params: { orgId: string } }>('/api/orgs/:orgId/sso', async (request) => {
    await authorise(request, request.params.orgId, 'view single sign-on settings');
    const providers = await listOrgProviders(db, request.params.orgId);
    return { data: providers.map((provider) => view(request, provider)) };
  });

  app.post<{ Params: { orgId: string } }>('/api/orgs/:orgId/sso', async (request, reply) => {
    const { orgId } = request.params;
    const actor = await authorise(request, orgId, 'manage single sign-on');
    const input = validateBody(saveSchema, request);
    const ssoOnly = input.ssoOnly ?? false;
    let provider =
      input.type === 'oidc'
        ? await saveProvider(db, {
            orgId,
            domain: input.domain,
            ssoOnly,
            type: 'oidc',
            settings: await discoverIssuer(input, fetch),
          })
        : await saveProvider(db, {
            orgId,
            domain: input.domain,
            ssoOnly,
            type: 'saml',
            settings: await parseIdpMetadata(input.metadataXml),
          });
    if (provider.domainVerifiedAt === null) {
      const owner = ownerOnDomain(await orgs.ownerEmails(orgId), provider.domain);
      if (owner && (await markDomainVerified(db, provider.id, `owner:${owner}`)))
        provider = (await findProvider(db, provider.id))!;
    }
    const shown = view(request, provider);
    await audit(request, orgId, actor, 'sso.provider_saved', provider.id, {
      type: shown.type,
      domain: shown.domain,
      ssoOnly: shown.ssoOnly,
    });
    return reply.code(200).send(shown);
  });

  app.post<{ Params: { orgId: string; providerId: string } }>(
    '/api/orgs/:orgId/sso/:providerId/verify-domain',
    async (request) => {
      const { orgId, providerId } = request.params;
      const actor = await authorise(request, orgId, 'manage single sign-on');
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
        await audit(request, orgId, actor, 'sso.domain_verified', provider.id, { domain: provider.domain });
      }
      return view(request, (await findProvider(db, providerId))!);
    },
  );

  app.delete<{ Params: { orgId: string; providerId: string } }>(
    '/api/orgs/:orgId/sso/:providerId',
    async (request, reply) => {
      const { orgId, providerId } = request.params;
      const actor = await authorise(request, orgId, 'manage single sign-on');
      const provider = await findProvider(db, providerId);
      if (!provider || provider.orgId !== orgId) throw new GatewayError('not_found');
      await deleteProvider(db, providerId);
      await audit(request, orgId, actor, 'sso.provider_deleted', providerId, undefined);
      return reply.code(204).send();
    },
  );
}
