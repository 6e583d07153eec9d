import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance, ledgerSum } from '../../gateway/src/billing/index.ts';
import { createRedeemCodes } from '../../gateway/src/billing/redeem-codes.ts';
import { startOidcIdp, type TestIdp } from '../../gateway/test/helpers/oidc-idp.ts';
import { type SmtpSink, startSmtpSink } from '../../gateway/test/helpers/smtp-sink.ts';
import {
  type AuditEntry,
  BadRequestError,
  type Hypereal,
  NotFoundError,
  type OrgDetail,
  type OrgMember,
  type OrgSsoProvider,
  PermissionDeniedError,
} from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const detailFields = fieldsOf<OrgDetail>()(['id', 'slug', 'name', 'role', 'createdAt', 'wallet', 'can']);
const memberFields = fieldsOf<OrgMember>()(['userId', 'email', 'role', 'joinedAt']);
const auditFields = fieldsOf<AuditEntry>()([
  'seq',
  'id',
  'createdAt',
  'actorId',
  'actorEmail',
  'action',
  'targetType',
  'targetId',
  'before',
  'after',
  'ip',
  'userAgent',
  'hash',
]);

/** The invitation token from the mail's link (quoted-printable, RFC 2045 §6.7). */
function tokenOf(raw: string): string {
  const body = raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return decodeURIComponent(/invite=([^\s&]+)/.exec(body)![1]!);
}

describe('org administration and audit trails through the SDK, against the gateway', () => {
  let gw: SdkHarness;
  let smtp: SmtpSink;
  let idp: TestIdp;
  const password = 'a long passphrase';
  beforeAll(async () => {
    smtp = await startSmtpSink();
    gw = await startSdkHarness(
      {},
      { SMTP_URL: smtp.url, HYPEREAL_MAIL_FROM: 'Hypereal <team@hypereal.test>' },
    );
    idp = await startOidcIdp({ clientId: 'sdk-client', clientSecret: 'sdk-secret', redirectUris: [] });
  });
  afterAll(async () => {
    await idp?.close();
    await gw?.close();
    await smtp?.close();
  });

  const signedIn = async (
    name: string,
    credits = 0,
  ): Promise<{ sdk: Hypereal; id: string; email: string }> => {
    const email = `${name}-${Math.random().toString(36).slice(2)}@acme.test`;
    const user = await gw.newUser(credits, { email, password });
    await user.sdk.auth.login({ email, password });
    return { sdk: user.sdk, id: user.user.id, email };
  };

  it('create, invite by mail, accept, change role, org keys, wallet, usage, audit, transfer, leave, delete', async () => {
    const alice = await signedIn('alice');
    const bob = await signedIn('bob', 50);
    const permissions = await alice.sdk.orgs.permissions();
    expect(permissions.roles).toEqual(expect.arrayContaining(['owner', 'admin', 'developer', 'viewer']));
    const mayInvite = permissions.roles.filter(
      (_role, index) => permissions.matrix['members.invite']![index],
    );
    expect(mayInvite).toEqual(['owner', 'admin']);

    const org = await alice.sdk.orgs.create({ name: 'Acme SDK' });
    const detail = await alice.sdk.orgs.get(org.id);
    expectFields(detail, detailFields);
    expect(detail).toMatchObject({ role: 'owner', wallet: { balance: 0 } });
    expect(detail.can['members.invite']).toBe(true);
    expect(await alice.sdk.orgs.rename(org.id, 'Acme Renamed')).toEqual({ id: org.id, name: 'Acme Renamed' });

    // Bob is invited, sees nothing until he accepts, then is a viewer.
    const invitation = await alice.sdk.orgs.members.invite(org.id, { email: bob.email, role: 'viewer' });
    expect(invitation).toMatchObject({ email: bob.email, role: 'viewer' });
    const [mail] = await smtp.waitFor(1);
    await expect(bob.sdk.orgs.get(org.id)).rejects.toBeInstanceOf(NotFoundError);
    const answer = await bob.sdk.orgs.acceptInvitation(tokenOf(mail!.raw));
    expect(answer).toMatchObject({ orgId: org.id, role: 'viewer', org: { id: org.id } });
    const members = await alice.sdk.orgs.members.list(org.id);
    expect(members.data.map((member) => member.email).sort()).toEqual([alice.email, bob.email].sort());
    for (const member of members.data) expectFields(member, memberFields);
    // A viewer may not create keys (the permission matrix), a typed 403.
    await expect(bob.sdk.orgs.keys.create(org.id, { name: 'nope' })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(await alice.sdk.orgs.members.setRole(org.id, bob.id, 'developer')).toEqual({
      userId: bob.id,
      role: 'developer',
    });

    // A second invitation, revoked before use; a third, declined.
    const spare = await alice.sdk.orgs.members.invite(org.id, { email: 'carol@acme.test', role: 'viewer' });
    expect((await alice.sdk.orgs.members.list(org.id)).invitations.map((each) => each.id)).toContain(
      spare.id,
    );
    expect(await alice.sdk.orgs.members.revokeInvitation(org.id, spare.id)).toEqual({
      id: spare.id,
      revoked: true,
    });
    const stranger = await signedIn('dave');
    await alice.sdk.orgs.members.invite(org.id, { email: stranger.email, role: 'viewer' });
    const mails = await smtp.waitFor(3);
    expect(await stranger.sdk.orgs.declineInvitation(tokenOf(mails[2]!.raw))).toMatchObject({
      orgId: org.id,
    });
    await expect(stranger.sdk.orgs.get(org.id)).rejects.toBeInstanceOf(NotFoundError);

    // The wallet: a code redeemed into the org, seen in its balance and ledger (ledger sum == balance).
    const [code] = await createRedeemCodes(gw.harness.db, { amountMicro: 1_000_000_000, count: 1 });
    expect(await alice.sdk.orgs.credits.redeem(org.id, code!)).toEqual({ credits: 1000, balance: 1000 });
    expect(await alice.sdk.orgs.credits.balance(org.id)).toEqual({ balance: 1000, held: 0, available: 1000 });
    const ledger = [];
    for await (const entry of alice.sdk.orgs.credits.ledger(org.id, { limit: 1 })) ledger.push(entry);
    expect(ledger.map((entry) => entry.amount)).toEqual([1000]);

    // Org keys: created by the developer, used (billed to the org), updated, revoked.
    const key = await bob.sdk.orgs.keys.create(org.id, { name: 'ci' });
    expect(key.key).toMatch(/^ck_/);
    expect(key.createdBy).toBe(bob.id);
    const { Hypereal } = await import('../src/index.ts');
    const viaOrgKey = new Hypereal({ apiKey: key.key, baseURL: gw.url, maxRetries: 0 });
    await viaOrgKey.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect((await alice.sdk.orgs.keys.list(org.id)).map((each) => each.id)).toEqual([key.id]);
    expect((await alice.sdk.orgs.keys.update(org.id, key.id, { name: 'ci-2' })).name).toBe('ci-2');
    const usage = await alice.sdk.orgs.usage.analytics(org.id, { days: 1 });
    expect(usage.total).toBe(1);
    expect(await alice.sdk.orgs.usage.analytics(org.id, { days: 1, member: alice.id })).toMatchObject({
      total: 0,
    });
    expect((await alice.sdk.orgs.usage.exportCsv(org.id)).split('\n').filter(Boolean)).toHaveLength(2);
    expect((await alice.sdk.orgs.keys.revoke(org.id, key.id)).state).toBe('revoked');
    const { balanceMicro, heldMicro } = await getBalance(gw.harness.db, alice.id, org.id);
    expect(await ledgerSum(gw.harness.db, alice.id, org.id)).toBe(balanceMicro);
    expect(heldMicro).toBe(0);
    expect(balanceMicro).toBeLessThan(1_000_000_000);

    // The org's audit trail, paged and as CSV; the personal trail is separate.
    const trail: AuditEntry[] = [];
    for await (const entry of alice.sdk.orgs.audit.list(org.id, { limit: 2 })) trail.push(entry);
    expectFields(trail[0], auditFields);
    const actions = trail.map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining(['member.invited', 'member.role_changed', 'key.created', 'key.revoked']),
    );
    expect(trail.map((entry) => entry.seq)).toEqual(
      [...trail.map((entry) => entry.seq)].sort((a, b) => b - a),
    );
    const filtered = await alice.sdk.orgs.audit.list(org.id, { action: 'member.role_changed' });
    expect(filtered.data.map((entry) => entry.action)).toEqual(['member.role_changed']);
    const csv = await alice.sdk.orgs.audit.exportCsv(org.id, { action: 'member.role_changed' });
    expect(csv.split('\n').filter(Boolean)).toHaveLength(2);
    // The personal trail has Alice's own key, none of the org's actions.
    await alice.sdk.keys.create({ name: 'personal' });
    const mine = await alice.sdk.audit.list();
    expect(mine.data.map((entry) => entry.action)).toEqual(['key.created']);
    expect((await alice.sdk.audit.exportCsv()).split('\n').filter(Boolean)).toHaveLength(2);

    // Ownership goes to Bob; Alice (now admin) leaves; Bob removes nobody left and deletes the org.
    expect(await alice.sdk.orgs.transfer(org.id, bob.id)).toEqual({ ownerId: bob.id });
    expect((await bob.sdk.orgs.get(org.id)).role).toBe('owner');
    expect(await alice.sdk.orgs.leave(org.id)).toEqual({ left: true });
    await expect(alice.sdk.orgs.get(org.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await bob.sdk.orgs.delete(org.id)).toMatchObject({ id: org.id, deleted: true });
    expect(await bob.sdk.orgs.list()).toEqual([]);
  });

  it('members.remove, and the SSO settings: save an OIDC connection, domain check, delete', async () => {
    const owner = await signedIn('owner');
    const other = await signedIn('other');
    const org = await owner.sdk.orgs.create({ name: 'SSO SDK' });
    await owner.sdk.orgs.members.invite(org.id, { email: other.email, role: 'viewer' });
    const mails = await smtp.waitFor(4);
    await other.sdk.orgs.acceptInvitation(tokenOf(mails.at(-1)!.raw));
    expect(await owner.sdk.orgs.members.remove(org.id, other.id)).toEqual({
      userId: other.id,
      removed: true,
    });
    await expect(other.sdk.orgs.get(org.id)).rejects.toBeInstanceOf(NotFoundError);

    expect(await owner.sdk.orgs.sso.list(org.id)).toEqual([]);
    const saved: OrgSsoProvider = await owner.sdk.orgs.sso.save(org.id, {
      type: 'oidc',
      issuer: idp.issuer,
      clientId: 'sdk-client',
      clientSecret: 'sdk-secret',
      domain: 'sso-sdk.test',
    });
    expect(saved).toMatchObject({ type: 'oidc', domain: 'sso-sdk.test', ssoOnly: false, checked: true });
    expect(JSON.stringify(saved)).not.toContain('sdk-secret');
    expect((await owner.sdk.orgs.sso.list(org.id)).map((each) => each.id)).toEqual([saved.id]);
    // No DNS TXT record for the domain: a 400 that names it.
    await expect(owner.sdk.orgs.sso.verifyDomain(org.id, saved.id)).rejects.toBeInstanceOf(BadRequestError);
    await owner.sdk.orgs.sso.delete(org.id, saved.id);
    expect(await owner.sdk.orgs.sso.list(org.id)).toEqual([]);
  });
});
