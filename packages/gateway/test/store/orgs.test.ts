import { afterEach, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { listAudit, recordAudit, verifyAuditChain } from '../../src/audit/index.ts';
import { getBalance, grantCredits, ledgerSum, placeHold, settleHold } from '../../src/billing/index.ts';
import type { Database } from '../../src/db/index.ts';
import { GatewayError } from '../../src/errors/index.ts';
import { releaseExpiredHolds } from '../../src/metering/release-expired-holds.ts';
import {
  addMember,
  createInvitation,
  createOrg,
  deleteOrg,
  findMembership,
  invitationTtlMs,
  listMembers,
  removeMember,
  respondToInvitation,
  setMemberRole,
  transferOwnership,
} from '../../src/orgs/index.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';

describe.each(engines)('orgs and audit on %s', (engine) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  it('creates an org with one owner, de-duplicates slugs, keeps one owner through a transfer', async () => {
    db = await freshDatabase(engine);
    const alice = await createUser(db, { email: 'alice@acme.test' });
    const bob = await createUser(db, { email: 'bob@acme.test' });
    const org = await createOrg(db, { name: 'Acme Inc', ownerId: alice.id });
    expect(org.slug).toBe('acme-inc');
    expect((await createOrg(db, { name: 'Acme inc.', ownerId: bob.id })).slug).toBe('acme-inc-2');
    expect((await findMembership(db, org.id, alice.id))?.role).toBe('owner');
    expect(await findMembership(db, org.id, bob.id)).toBeNull();

    expect(await addMember(db, { orgId: org.id, userId: bob.id, role: 'developer' })).toEqual({
      added: true,
      role: 'developer',
    });
    // JIT provisioning of an existing member keeps their role.
    expect(await addMember(db, { orgId: org.id, userId: bob.id, role: 'viewer' })).toEqual({
      added: false,
      role: 'developer',
    });
    await expect(removeMember(db, org.id, alice.id)).rejects.toThrow(/transfer ownership/);
    await expect(setMemberRole(db, org.id, alice.id, 'viewer')).rejects.toThrow(/transferring ownership/);
    await expect(transferOwnership(db, org.id, bob.id, alice.id)).rejects.toThrow(/Only the owner/);
    await transferOwnership(db, org.id, alice.id, bob.id);
    const members = await listMembers(db, org.id);
    expect(members.map((m) => [m.email, m.role])).toEqual([
      ['alice@acme.test', 'admin'],
      ['bob@acme.test', 'owner'],
    ]);
    expect(await removeMember(db, org.id, alice.id)).toBe('admin');
    await deleteOrg(db, org.id);
    expect(await findMembership(db, org.id, bob.id)).toBeNull();
  });

  it('invitations are single use, expire, and only the addressee can accept', async () => {
    db = await freshDatabase(engine);
    const alice = await createUser(db, { email: 'alice@acme.test' });
    const carol = await createUser(db, { email: 'carol@acme.test' });
    const mallory = await createUser(db, { email: 'mallory@evil.test' });
    const org = await createOrg(db, { name: 'Acme', ownerId: alice.id });
    const { token } = await createInvitation(db, {
      orgId: org.id,
      email: 'Carol@Acme.test',
      role: 'developer',
      invitedBy: alice.id,
    });
    await expect(
      respondToInvitation(db, { token, userId: mallory.id, email: mallory.email, accept: true }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      respondToInvitation(db, { token: `${token}x`, userId: carol.id, email: carol.email, accept: true }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const accepted = await respondToInvitation(db, {
      token,
      userId: carol.id,
      email: carol.email,
      accept: true,
    });
    expect(accepted.status).toBe('accepted');
    expect((await findMembership(db, org.id, carol.id))?.role).toBe('developer');
    await expect(
      respondToInvitation(db, { token, userId: carol.id, email: carol.email, accept: true }),
    ).rejects.toBeInstanceOf(GatewayError);

    const late = await createInvitation(db, {
      orgId: org.id,
      email: 'dave@acme.test',
      role: 'viewer',
      invitedBy: alice.id,
    });
    const dave = await createUser(db, { email: 'dave@acme.test' });
    await expect(
      respondToInvitation(db, {
        token: late.token,
        userId: dave.id,
        email: dave.email,
        accept: true,
        now: Date.now() + invitationTtlMs + 1,
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it("an org wallet holds, charges and releases on its own; the member's wallet is untouched", async () => {
    db = await freshDatabase(engine);
    const alice = await createUser(db, { email: 'alice@acme.test' });
    const org = await createOrg(db, { name: 'Acme', ownerId: alice.id });
    await grantCredits(db, alice.id, 5_000_000, 'personal');
    await grantCredits(db, alice.id, 9_000_000, 'org grant', 'grant', org.id);
    const wallets = async () => {
      const orgWallet = await getBalance(db, alice.id, org.id);
      const own = await getBalance(db, alice.id);
      expect(await ledgerSum(db, alice.id, org.id)).toBe(orgWallet.balanceMicro);
      expect(await ledgerSum(db, alice.id)).toBe(own.balanceMicro);
      return { org: orgWallet, own };
    };
    const hold = {
      userId: alice.id,
      orgId: org.id,
      keyId: null,
      minimumMicro: 0,
      endpoint: '/v1/chat/completions',
    };
    const charged = await placeHold(db, {
      ...hold,
      requestId: 'r1',
      amountMicro: 4_000_000,
      leaseMs: 60_000,
    });
    expect((await wallets()).org.heldMicro).toBe(4_000_000);
    // More than the org has available is refused, even though the user's own wallet could pay.
    await expect(
      placeHold(db, { ...hold, requestId: 'r2', amountMicro: 6_000_000, leaseMs: 60_000 }),
    ).rejects.toMatchObject({ code: 'insufficient_credits' });
    await settleHold(db, charged, { chargeMicro: 1_500_000, description: 'chat', requestId: 'r1' });
    await placeHold(db, { ...hold, requestId: 'r3', amountMicro: 2_000_000, leaseMs: 1 });
    expect(await releaseExpiredHolds(db, Date.now() + 1_000)).toBe(1);
    const after = await wallets();
    expect(after.org).toEqual({ balanceMicro: 7_500_000, heldMicro: 0, availableMicro: 7_500_000 });
    expect(after.own).toEqual({ balanceMicro: 5_000_000, heldMicro: 0, availableMicro: 5_000_000 });
  });

  it('the audit chain verifies, and fails at the first edited, deleted or reordered row', async () => {
    db = await freshDatabase(engine);
    const alice = await createUser(db, { email: 'alice@acme.test' });
    const org = await createOrg(db, { name: 'Acme', ownerId: alice.id });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, rows: 0 });
    for (const action of ['org.created', 'member.invited', 'member.role_changed', 'key.created']) {
      await recordAudit(db, {
        scope: { orgId: org.id },
        actorId: alice.id,
        action,
        before: { role: 'viewer' },
        after: { role: 'developer' },
        ip: '127.0.0.1',
        userAgent: 'vitest',
      });
    }
    await recordAudit(db, { scope: { userId: alice.id }, actorId: alice.id, action: 'key.created' });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, rows: 5 });
    const page = await listAudit(db, { scope: { orgId: org.id }, limit: 2 });
    expect(page.map((e) => e.action)).toEqual(['key.created', 'member.role_changed']);
    const next = await listAudit(db, { scope: { orgId: org.id }, beforeSeq: page[1]!.seq });
    expect(next.map((e) => e.action)).toEqual(['member.invited', 'org.created']);
    expect((await listAudit(db, { scope: { orgId: org.id }, action: 'member' })).length).toBe(2);
    expect((await listAudit(db, { scope: { userId: alice.id } })).map((e) => e.action)).toEqual([
      'key.created',
    ]);

    await db.run('UPDATE audit_log SET after_json = \'{"role":"owner"}\' WHERE seq = 3');
    expect(await verifyAuditChain(db)).toMatchObject({
      ok: false,
      brokenAt: { seq: 3, reason: 'row content altered' },
    });
    await db.run('UPDATE audit_log SET after_json = \'{"role":"developer"}\' WHERE seq = 3');
    expect((await verifyAuditChain(db)).ok).toBe(true);
    await db.run('DELETE FROM audit_log WHERE seq = 2');
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: { seq: 2 } });
  });
});
