import { createUser, findUserByEmail, type User } from '../accounts/index.ts';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { emailDomain } from './domain-claim.ts';
import type { OrgDirectory } from './org-directory.ts';
import type { SsoProvider } from './provider-store.ts';

/**
 * Turns an identity the IdP vouched for into a Hypereal user: only for the domain the org
 * has verifiably claimed (an IdP cannot sign in addresses of a domain its org does not
 * own), created just in time without a password, and made a member of the org with the
 * org's default role when not one already.
 */
export async function signInFederated(
  deps: { db: Database; orgs: OrgDirectory },
  provider: SsoProvider,
  identity: { email: string; emailVerified?: boolean | undefined },
  context: { ip: string; userAgent?: string | undefined },
): Promise<User> {
  const fail = (why: string): never => {
    throw new GatewayError('sso_failed', { message: `Single sign-on failed: ${why}.` });
  };
  if (provider.domainVerifiedAt === null) fail(`the claim on ${provider.domain} is not verified yet`);
  if (emailDomain(identity.email) !== provider.domain)
    fail(`the identity provider vouched for ${identity.email}, which is not on ${provider.domain}`);
  if (identity.emailVerified === false) fail('the identity provider says the email address is not verified');
  let user = await findUserByEmail(deps.db, identity.email);
  if (!user) {
    user = await createUser(deps.db, { email: identity.email });
    await deps.orgs.recordAudit({
      orgId: provider.orgId,
      actorUserId: user.id,
      action: 'sso.user_provisioned',
      target: user.id,
      after: { email: user.email, via: provider.id },
      ip: context.ip,
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    });
  }
  if ((await deps.orgs.roleOf(provider.orgId, user.id)) === null) {
    const role = await deps.orgs.defaultRole(provider.orgId);
    await deps.orgs.ensureMember(provider.orgId, { id: user.id, email: user.email }, role);
    await deps.orgs.recordAudit({
      orgId: provider.orgId,
      actorUserId: user.id,
      action: 'member.joined_via_sso',
      target: user.id,
      after: { role, via: provider.id },
      ip: context.ip,
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    });
  }
  return user;
}
