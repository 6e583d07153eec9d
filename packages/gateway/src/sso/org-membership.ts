import { recordAudit } from '../audit/index.ts';
import type { Database } from '../db/index.ts';
import { addMember, listMembers, type OrgRole } from '../orgs/index.ts';

/**
 * What single sign-on needs from organisations: the owners' addresses (for the email-domain
 * rule), just-in-time membership and the org's audit trail — on the organisations module.
 */
export async function ownerEmails(db: Database, orgId: string): Promise<string[]> {
  return (await listMembers(db, orgId)).filter((member) => member.role === 'owner').map((m) => m.email);
}

export interface SsoAuditEvent {
  orgId: string;
  actorUserId: string | null;
  action: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export async function recordSsoAudit(db: Database, event: SsoAuditEvent): Promise<void> {
  await recordAudit(db, {
    scope: { orgId: event.orgId },
    actorId: event.actorUserId,
    action: event.action,
    targetType:
      event.action.startsWith('sso.') && event.action !== 'sso.user_provisioned' ? 'sso_provider' : 'user',
    targetId: event.targetId,
    ...(event.before === undefined ? {} : { before: event.before }),
    ...(event.after === undefined ? {} : { after: event.after }),
    ip: event.ip,
    userAgent: event.userAgent,
  });
}

/** Makes the user a member with `role` unless they are one; true when they were added. */
export async function ensureMember(
  db: Database,
  orgId: string,
  userId: string,
  role: OrgRole,
): Promise<boolean> {
  return (await addMember(db, { orgId, userId, role })).added;
}
