import type { HttpClient, RequestOptions } from '../core/http.ts';
import { cursorPages, type PagePromise } from '../core/pagination.ts';
import type {
  ApiKeyCreateParams,
  ApiKeyUpdateParams,
  CreditBalance,
  LedgerEntry,
  LedgerPage,
  Org,
  RedeemResult,
  UsageAnalytics,
  UsageFilterParams,
  UsageParams,
} from '../types/account.ts';
import type {
  AuditEntry,
  AuditFilterParams,
  InvitationAnswer,
  OrgApiKey,
  OrgDetail,
  OrgInvitation,
  OrgMembers,
  OrgPermissions,
  OrgRole,
  OrgSsoOidcParams,
  OrgSsoProvider,
  OrgSsoSamlParams,
} from '../types/orgs.ts';
import { AuditTrail } from './audit.ts';
import { Resource, segment } from './resource.ts';

const orgPath = (orgId: string, tail = '') => `/api/orgs/${segment(orgId)}${tail}`;

/** Members and invitations of an org (`/api/orgs/{orgId}/members`, `/invitations`). */
export class OrgMembersResource extends Resource {
  list(orgId: string, options: RequestOptions = {}): Promise<OrgMembers> {
    return this.http.json({ method: 'GET', path: orgPath(orgId, '/members'), auth: 'session' }, options);
  }

  /** Emails an invitation link; the addressee answers with `orgs.acceptInvitation(token)`. */
  invite(
    orgId: string,
    params: { email: string; role: OrgRole },
    options: RequestOptions = {},
  ): Promise<OrgInvitation> {
    return this.http.json(
      { method: 'POST', path: orgPath(orgId, '/invitations'), json: params, auth: 'session' },
      options,
    );
  }

  revokeInvitation(
    orgId: string,
    invitationId: string,
    options: RequestOptions = {},
  ): Promise<{ id: string; revoked: true }> {
    return this.http.json(
      { method: 'DELETE', path: orgPath(orgId, `/invitations/${segment(invitationId)}`), auth: 'session' },
      options,
    );
  }

  setRole(
    orgId: string,
    userId: string,
    role: OrgRole,
    options: RequestOptions = {},
  ): Promise<{ userId: string; role: OrgRole }> {
    return this.http.json(
      {
        method: 'PATCH',
        path: orgPath(orgId, `/members/${segment(userId)}`),
        json: { role },
        auth: 'session',
      },
      options,
    );
  }

  remove(
    orgId: string,
    userId: string,
    options: RequestOptions = {},
  ): Promise<{ userId: string; removed: true }> {
    return this.http.json(
      { method: 'DELETE', path: orgPath(orgId, `/members/${segment(userId)}`), auth: 'session' },
      options,
    );
  }
}

/** The org's shared API keys (`/api/orgs/{orgId}/api-keys`); `webhookUrl` sets the key's job webhook. */
export class OrgKeysResource extends Resource {
  async list(orgId: string, options: RequestOptions = {}): Promise<OrgApiKey[]> {
    const page = await this.http.json<{ data: OrgApiKey[] }>(
      { method: 'GET', path: orgPath(orgId, '/api-keys'), auth: 'session' },
      options,
    );
    return page.data;
  }

  /** A new key billed to the org's wallet; its secret `key` is in this answer only. */
  create(
    orgId: string,
    params: ApiKeyCreateParams,
    options: RequestOptions = {},
  ): Promise<OrgApiKey & { key: string }> {
    return this.http.json(
      { method: 'POST', path: orgPath(orgId, '/api-keys'), json: params, auth: 'session' },
      options,
    );
  }

  update(
    orgId: string,
    keyId: string,
    params: ApiKeyUpdateParams & { webhookUrl?: string | null },
    options: RequestOptions = {},
  ): Promise<OrgApiKey> {
    return this.http.json(
      { method: 'PATCH', path: orgPath(orgId, `/api-keys/${segment(keyId)}`), json: params, auth: 'session' },
      options,
    );
  }

  revoke(orgId: string, keyId: string, options: RequestOptions = {}): Promise<OrgApiKey> {
    return this.http.json(
      { method: 'DELETE', path: orgPath(orgId, `/api-keys/${segment(keyId)}`), auth: 'session' },
      options,
    );
  }
}

/** The org's wallet (`/api/orgs/{orgId}/credits`). */
export class OrgCreditsResource extends Resource {
  balance(orgId: string, options: RequestOptions = {}): Promise<CreditBalance> {
    return this.http.json({ method: 'GET', path: orgPath(orgId, '/credits'), auth: 'session' }, options);
  }

  ledger(
    orgId: string,
    params: { limit?: number } = {},
    options: RequestOptions = {},
  ): PagePromise<LedgerEntry> {
    return cursorPages<LedgerEntry, string>(async (before) => {
      const page = await this.http.json<LedgerPage>(
        {
          method: 'GET',
          path: orgPath(orgId, '/credits/ledger'),
          query: { limit: params.limit, before },
          auth: 'session',
        },
        options,
      );
      return { data: page.data, next: page.nextBefore };
    });
  }

  redeem(orgId: string, code: string, options: RequestOptions = {}): Promise<RedeemResult> {
    return this.http.json(
      { method: 'POST', path: orgPath(orgId, '/credits/redeem'), json: { code }, auth: 'session' },
      options,
    );
  }
}

/** The org's request log (`/api/orgs/{orgId}/usage`), optionally one member's. */
export class OrgUsageResource extends Resource {
  analytics(
    orgId: string,
    params: UsageParams & { member?: string } = {},
    options: RequestOptions = {},
  ): Promise<UsageAnalytics> {
    return this.http.json(
      { method: 'GET', path: orgPath(orgId, '/usage'), query: { ...params }, auth: 'session' },
      options,
    );
  }

  exportCsv(
    orgId: string,
    params: UsageFilterParams & { member?: string } = {},
    options: RequestOptions = {},
  ): Promise<string> {
    return this.http.text(
      {
        method: 'GET',
        path: orgPath(orgId, '/usage/export'),
        query: { ...params },
        auth: 'session',
        accept: 'text/csv',
      },
      options,
    );
  }
}

/** The org's audit trail (`/api/orgs/{orgId}/audit`). */
export class OrgAuditResource extends Resource {
  list(
    orgId: string,
    params: AuditFilterParams & { limit?: number } = {},
    options: RequestOptions = {},
  ): PagePromise<AuditEntry> {
    return new AuditTrail(this.http, orgPath(orgId, '/audit')).list(params, options);
  }

  exportCsv(orgId: string, params: AuditFilterParams = {}, options: RequestOptions = {}): Promise<string> {
    return new AuditTrail(this.http, orgPath(orgId, '/audit')).exportCsv(params, options);
  }
}

/** The org's single sign-on connections (`/api/orgs/{orgId}/sso`). */
export class OrgSsoResource extends Resource {
  async list(orgId: string, options: RequestOptions = {}): Promise<OrgSsoProvider[]> {
    const page = await this.http.json<{ data: OrgSsoProvider[] }>(
      { method: 'GET', path: orgPath(orgId, '/sso'), auth: 'session' },
      options,
    );
    return page.data;
  }

  /** Creates (or replaces) the connection for `domain`; the gateway checks the issuer or metadata first. */
  save(
    orgId: string,
    params: OrgSsoOidcParams | OrgSsoSamlParams,
    options: RequestOptions = {},
  ): Promise<OrgSsoProvider> {
    return this.http.json(
      { method: 'POST', path: orgPath(orgId, '/sso'), json: params, auth: 'session' },
      options,
    );
  }

  /** Checks the domain's DNS TXT record and marks the connection verified. */
  verifyDomain(orgId: string, providerId: string, options: RequestOptions = {}): Promise<OrgSsoProvider> {
    return this.http.json(
      {
        method: 'POST',
        path: orgPath(orgId, `/sso/${segment(providerId)}/verify-domain`),
        auth: 'session',
      },
      options,
    );
  }

  async delete(orgId: string, providerId: string, options: RequestOptions = {}): Promise<void> {
    await this.http.json(
      { method: 'DELETE', path: orgPath(orgId, `/sso/${segment(providerId)}`), auth: 'session' },
      options,
    );
  }
}

/** Organisations (`/api/orgs`): yours, their members, keys, wallet, usage, audit trail and SSO. */
export class Orgs extends Resource {
  readonly members: OrgMembersResource;
  readonly keys: OrgKeysResource;
  readonly credits: OrgCreditsResource;
  readonly usage: OrgUsageResource;
  readonly audit: OrgAuditResource;
  readonly sso: OrgSsoResource;

  constructor(http: HttpClient) {
    super(http);
    this.members = new OrgMembersResource(http);
    this.keys = new OrgKeysResource(http);
    this.credits = new OrgCreditsResource(http);
    this.usage = new OrgUsageResource(http);
    this.audit = new OrgAuditResource(http);
    this.sso = new OrgSsoResource(http);
  }

  async list(options: RequestOptions = {}): Promise<Org[]> {
    const page = await this.http.json<{ data: Org[] }>(
      { method: 'GET', path: '/api/orgs', auth: 'session' },
      options,
    );
    return page.data;
  }

  create(params: { name: string }, options: RequestOptions = {}): Promise<Org> {
    return this.http.json<Org>({ method: 'POST', path: '/api/orgs', json: params, auth: 'session' }, options);
  }

  /** The roles and which of them each action allows. */
  permissions(options: RequestOptions = {}): Promise<OrgPermissions> {
    return this.http.json({ method: 'GET', path: '/api/orgs/permissions', auth: 'session' }, options);
  }

  get(orgId: string, options: RequestOptions = {}): Promise<OrgDetail> {
    return this.http.json({ method: 'GET', path: orgPath(orgId), auth: 'session' }, options);
  }

  rename(orgId: string, name: string, options: RequestOptions = {}): Promise<{ id: string; name: string }> {
    return this.http.json(
      { method: 'PATCH', path: orgPath(orgId), json: { name }, auth: 'session' },
      options,
    );
  }

  /** Deletes the org and revokes its keys (owner only). */
  delete(
    orgId: string,
    options: RequestOptions = {},
  ): Promise<{ id: string; deleted: true; keysRevoked: number }> {
    return this.http.json({ method: 'DELETE', path: orgPath(orgId), auth: 'session' }, options);
  }

  /** Makes member `userId` the owner; you become an admin. */
  transfer(orgId: string, userId: string, options: RequestOptions = {}): Promise<{ ownerId: string }> {
    return this.http.json(
      { method: 'POST', path: orgPath(orgId, '/transfer'), json: { userId }, auth: 'session' },
      options,
    );
  }

  leave(orgId: string, options: RequestOptions = {}): Promise<{ left: true }> {
    return this.http.json({ method: 'POST', path: orgPath(orgId, '/leave'), auth: 'session' }, options);
  }

  /** Answers an invitation with the token from its email link. */
  acceptInvitation(token: string, options: RequestOptions = {}): Promise<InvitationAnswer> {
    return this.http.json(
      { method: 'POST', path: '/api/invitations/accept', json: { token }, auth: 'session' },
      options,
    );
  }

  declineInvitation(token: string, options: RequestOptions = {}): Promise<InvitationAnswer> {
    return this.http.json(
      { method: 'POST', path: '/api/invitations/decline', json: { token }, auth: 'session' },
      options,
    );
  }
}
