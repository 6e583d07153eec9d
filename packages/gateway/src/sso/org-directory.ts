/**
 * What single sign-on needs from organisations, and nothing more: who may configure an
 * org's SSO, who its owners are (for the email-domain rule), and just-in-time membership.
 * The organisations module implements it; MemoryOrgDirectory stands in until it does.
 */
export type OrgRole = 'owner' | 'admin' | 'developer' | 'billing' | 'viewer';

export interface SsoAuditEvent {
  orgId: string;
  actorUserId: string | null;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  ip?: string;
  userAgent?: string;
}

export interface OrgDirectory {
  /** The user's role in the org, or null when the org does not exist or they are not a member. */
  roleOf(orgId: string, userId: string): Promise<OrgRole | null>;
  /** The emails of the org's owners. */
  ownerEmails(orgId: string): Promise<string[]>;
  /** Role new members get when they arrive through SSO. */
  defaultRole(orgId: string): Promise<OrgRole>;
  /** Adds the user with the role unless they are a member already. */
  ensureMember(orgId: string, user: { id: string; email: string }, role: OrgRole): Promise<void>;
  recordAudit(event: SsoAuditEvent): Promise<void>;
}

/** Who may change an org's SSO settings (the contract: Owner and Admin manage SSO). */
export const ssoAdminRoles: ReadonlySet<OrgRole> = new Set(['owner', 'admin']);

/** An in-process directory: for tests, and for the gateway until the organisations module lands. */
export class MemoryOrgDirectory implements OrgDirectory {
  readonly orgs = new Map<
    string,
    { defaultRole: OrgRole; members: Map<string, { email: string; role: OrgRole }> }
  >();
  readonly audit: SsoAuditEvent[] = [];

  addOrg(orgId: string, owner: { userId: string; email: string }, defaultRole: OrgRole = 'viewer'): void {
    this.orgs.set(orgId, {
      defaultRole,
      members: new Map([[owner.userId, { email: owner.email, role: 'owner' }]]),
    });
  }

  setMember(orgId: string, member: { userId: string; email: string }, role: OrgRole): void {
    this.orgs.get(orgId)?.members.set(member.userId, { email: member.email, role });
  }

  async roleOf(orgId: string, userId: string): Promise<OrgRole | null> {
    return this.orgs.get(orgId)?.members.get(userId)?.role ?? null;
  }

  async ownerEmails(orgId: string): Promise<string[]> {
    const org = this.orgs.get(orgId);
    if (!org) return [];
    return [...org.members.values()].filter((m) => m.role === 'owner').map((m) => m.email);
  }

  async defaultRole(orgId: string): Promise<OrgRole> {
    return this.orgs.get(orgId)?.defaultRole ?? 'viewer';
  }

  async ensureMember(orgId: string, user: { id: string; email: string }, role: OrgRole): Promise<void> {
    const org = this.orgs.get(orgId);
    if (!org || org.members.has(user.id)) return;
    org.members.set(user.id, { email: user.email, role });
  }

  async recordAudit(event: SsoAuditEvent): Promise<void> {
    this.audit.push(event);
  }
}
