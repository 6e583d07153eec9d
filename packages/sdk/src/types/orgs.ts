import type { ApiKey, CreditBalance } from './account.ts';

export type OrgRole = 'owner' | 'admin' | 'developer' | 'billing' | 'viewer' | (string & {});

/** `GET /api/orgs/{orgId}`: the org, your role, its wallet (when your role may see billing) and what you may do. */
export interface OrgDetail {
  id: string;
  slug: string;
  name: string;
  role: OrgRole;
  createdAt: number;
  wallet: CreditBalance | null;
  /** Permission-matrix action → whether your role allows it (`members.invite`, `keys.create`…). */
  can: Record<string, boolean>;
}

export interface OrgPermissions {
  roles: OrgRole[];
  /** Action → one flag per entry of `roles`, in the same order: whether that role may do it. */
  matrix: Record<string, boolean[]>;
}

export interface OrgMember {
  userId: string;
  email: string;
  role: OrgRole;
  joinedAt: number;
}

export interface OrgInvitation {
  id: string;
  email: string;
  role: OrgRole;
  createdAt?: number;
  expiresAt: number;
}

/** `GET /api/orgs/{orgId}/members`: pending invitations are listed only when your role may invite. */
export interface OrgMembers {
  data: OrgMember[];
  invitations: OrgInvitation[];
}

export interface OrgApiKey extends ApiKey {
  /** The member who created it. */
  createdBy: string;
}

export interface OrgSsoOidcParams {
  type: 'oidc';
  issuer: string;
  clientId: string;
  clientSecret: string;
  domain: string;
  ssoOnly?: boolean;
  defaultRole?: OrgRole;
}

export interface OrgSsoSamlParams {
  type: 'saml';
  metadataXml: string;
  domain: string;
  ssoOnly?: boolean;
  defaultRole?: OrgRole;
}

/** An SSO connection as the gateway shows it (never its client secret). */
export interface OrgSsoProvider {
  id: string;
  type: 'oidc' | 'saml';
  domain: string;
  ssoOnly: boolean;
  defaultRole: OrgRole;
  /** Whether the domain's DNS TXT record was verified. */
  checked: boolean;
  checkedAt: number | null;
  [field: string]: unknown;
}

/** One audit-trail row; `before`/`after` hold what changed. */
export interface AuditEntry {
  seq: number;
  id: string;
  createdAt: number;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  /** The hash chain link that makes the trail tamper-evident. */
  hash: string;
}

export interface AuditFilterParams {
  /** An action name such as `api_key.created`. */
  action?: string;
  /** A user id. */
  actor?: string;
  /** The last N days only. */
  days?: number;
}

export interface AuditPage {
  data: AuditEntry[];
  nextBefore: number | null;
}

/** What answering an invitation did: your role and the org when you joined. */
export interface InvitationAnswer {
  orgId: string;
  status: string;
  role: OrgRole | null;
  org: { id: string; slug: string; name: string } | null;
}
