import { createUser, findUserByEmail, type User } from '../accounts/index.ts';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { emailDomain } from './domain-claim.ts';
import { ensureMember, recordSsoAudit } from './org-membership.ts';
import type { SsoProvider } from './provider-store.ts';

/**
 * Turns an identity the IdP vouched for into a Hypereal user: only for the domain the org
 * has verifiably claimed (an IdP cannot sign in addresses of a domain its org does not
 * own), created just in time without a password, and made a member of the org with the
 * provider's default role (`defaultRole`, Viewer unless set) when not one already.
 */
export async function signInFederated(
  db: Database,
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
  let user = await findUserByEmail(db, identity.email);
  const context_ = { ip: context.ip, userAgent: context.userAgent };
  if (!user) {
    user = await createUser(db, { email: identity.email });
    await recordSsoAudit(db, {
      orgId: provider.orgId,
      actorUserId: user.id,
      action: 'sso.user_provisioned',
      targetId: user.id,
      after: { email: user.email, via: provider.id },
      ...context_,
    });
  }
  if (await ensureMember(db, provider.orgId, user.id, provider.defaultRole)) {
    await recordSsoAudit(db, {
      orgId: provider.orgId,
      actorUserId: user.id,
      action: 'member.joined_via_sso',
      targetId: user.id,
      after: { role: provider.defaultRole, via: provider.id },
      ...context_,
    });
  }
  return user;
}
