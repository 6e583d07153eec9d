import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.ts';
import { getBalance, ledgerSum } from '../../src/billing/index.ts';
import { createRedeemCodes } from '../../src/billing/redeem-codes.ts';
import { type AccountClient, signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const password = 'a long enough passphrase';

describe('organisations', () => {
  let harness: Harness;
  let smtp: SmtpSink;
  let alice: AccountClient;
  let bob: AccountClient;
  let aliceId: string;
  let bobId: string;
  let orgId: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    harness = await startHarness({
      env: { SMTP_URL: smtp.url, HYPEREAL_MAIL_FROM: 'Hypereal <team@hypereal.test>' },
    });
    aliceId = (await harness.newUser(0, { email: 'alice@acme.test', password })).user.id;
    bobId = (await harness.newUser(50, { email: 'bob@acme.test', password })).user.id;
    alice = await signedIn(harness.gateway.url, 'alice@acme.test', password);
    bob = await signedIn(harness.gateway.url, 'bob@acme.test', password);
  });
  afterAll(async () => {
    await harness?.close();
    await smtp?.close();
  });

  /** Both wallets balanced: each cached balance is its ledger's sum, nothing left held. */
  async function balancedOrg(id: string): Promise<number> {
    const { balanceMicro, heldMicro } = await getBalance(harness.db, aliceId, id);
    expect(await ledgerSum(harness.db, aliceId, id)).toBe(balanceMicro);
    expect(heldMicro).toBe(0);
    return balanceMicro;
  }

  it('a newcomer creates an org, invites a teammate by mail, makes them Developer, and the audit log shows it', async () => {
    const created = await alice.call('POST', '/api/orgs', { name: 'Acme Inc' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'acme-inc', role: 'owner' });
    orgId = created.body['id'] as string;

    const invited = await alice.call('POST', `/api/orgs/${orgId}/invitations`, {
      email: 'bob@acme.test',
      role: 'viewer',
    });
    expect(invited.status).toBe(201);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual(['bob@acme.test']);
    expect(mail?.subject).toContain('Acme Inc');
    // The mail body is quoted-printable (RFC 2045 §6.7): soft line breaks and =XX escapes.
    const body = mail!.raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    const token = decodeURIComponent(/invite=([^\s&]+)/.exec(body)![1]!);

    // Bob sees nothing of the org before accepting.
    expect((await bob.call('GET', `/api/orgs/${orgId}/members`)).status).toBe(404);
    const accepted = await bob.call('POST', '/api/invitations/accept', { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ orgId, status: 'accepted', role: 'viewer' });
    // Single use.
    expect((await bob.call('POST', '/api/invitations/accept', { token })).status).toBe(404);

    const promoted = await alice.call('PATCH', `/api/orgs/${orgId}/members/${bobId}`, { role: 'developer' });
    expect(promoted.status).toBe(200);
    const members = await bob.call('GET', `/api/orgs/${orgId}/members`);
    expect((members.body['data'] as { email: string; role: string }[]).map((m) => [m.email, m.role])).toEqual(
      [
        ['alice@acme.test', 'owner'],
        ['bob@acme.test', 'developer'],
      ],
    );

    const audit = await alice.call('GET', `/api/orgs/${orgId}/audit`);
    expect(audit.status).toBe(200);
    const rows = audit.body['data'] as {
      action: string;
      actorEmail: string;
      before: unknown;
      after: unknown;
      ip: string;
      userAgent: string;
    }[];
    expect(rows.map((row) => row.action)).toEqual([
      'member.role_changed',
      'member.joined',
      'member.invited',
      'org.created',
    ]);
    expect(rows[0]).toMatchObject({
      actorEmail: 'alice@acme.test',
      before: { role: 'viewer' },
      after: { role: 'developer' },
      ip: '127.0.0.1',
    });
    expect(rows[0]!.userAgent).toBeTruthy();
    // A developer may not read the audit log; the 403 names the action.
    const denied = await bob.call('GET', `/api/orgs/${orgId}/audit`);
    expect(denied.status).toBe(403);
    expect(denied.body.error?.message).toContain('audit.view');

    const csv = await alice.call('GET', `/api/orgs/${orgId}/audit/export?action=member`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.trim().split('\n')).toHaveLength(4);
    expect(csv.text).toContain('member.role_changed');
    expect(await verifyAuditChain(harness.db)).toMatchObject({ ok: true });
  });

  it("an org key spends from the org wallet, not its creator's, and usage is reported per org and per member", async () => {
    const [code] = await createRedeemCodes(harness.db, { amountMicro: 300_000_000, count: 1 });
    // A developer cannot top up; the owner can.
    expect((await bob.call('POST', `/api/orgs/${orgId}/credits/redeem`, { code })).status).toBe(403);
    const redeemed = await alice.call('POST', `/api/orgs/${orgId}/credits/redeem`, { code });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body['balance']).toBe(300);

    const key = await bob.call('POST', `/api/orgs/${orgId}/api-keys`, { name: 'ci' });
    expect(key.status).toBe(201);
    const bobBefore = await harness.balancedBalance(bobId);
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key.body['key'] as string, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();

    const orgBalance = await balancedOrg(orgId);
    expect(orgBalance).toBeLessThan(300_000_000);
    expect(orgBalance).toBeGreaterThan(0);
    expect(await harness.balancedBalance(bobId)).toBe(bobBefore);

    const usage = await alice.call('GET', `/api/orgs/${orgId}/usage?member=${bobId}`);
    expect(usage.status).toBe(200);
    expect(usage.body['total']).toBe(1);
    expect((await alice.call('GET', `/api/orgs/${orgId}/usage?member=${aliceId}`)).body['total']).toBe(0);
    // Bob's personal usage does not include the org's call.
    expect((await bob.call('GET', '/api/api-usage')).body['total']).toBe(0);
    const csv = await alice.call('GET', `/api/orgs/${orgId}/usage/export`);
    expect(csv.text.trim().split('\n')).toHaveLength(2);

    const ledger = await alice.call('GET', `/api/orgs/${orgId}/credits/ledger`);
    expect(
      (ledger.body['data'] as { kind: string; userId: string }[]).map((e) => [e.kind, e.userId]),
    ).toEqual([
      ['charge', bobId],
      ['redeem', aliceId],
    ]);
    // Stored files still belong to a person: an org key is refused there, by name.
    const files = await fetch(`${harness.baseUrl}/storage/files`, {
      headers: { authorization: `Bearer ${key.body['key']}` },
    });
    expect(files.status).toBe(403);
    expect(await files.text()).toContain('Organisation keys cannot use file storage');
    // The org's key is not one of Bob's personal keys.
    const personal = (await bob.call('GET', '/api/api-keys')).body['data'] as { id: string }[];
    expect(personal.map((k) => k.id)).not.toContain(key.body['id']);

    // Where an org key's job events go is webhooks.manage: a developer may rename the key, not hook it.
    const hook = await bob.call('PATCH', `/api/orgs/${orgId}/api-keys/${key.body['id']}`, {
      webhookUrl: 'https://hooks.acme.test/jobs',
    });
    expect(hook.status).toBe(403);
    expect(JSON.stringify(hook.body)).toContain('webhooks.manage');
    const privateHook = await alice.call('PATCH', `/api/orgs/${orgId}/api-keys/${key.body['id']}`, {
      webhookUrl: 'https://127.0.0.1/jobs',
    });
    expect(privateHook.status).toBe(400);
    const cleared = await alice.call('PATCH', `/api/orgs/${orgId}/api-keys/${key.body['id']}`, {
      webhookUrl: null,
    });
    expect(cleared.status).toBe(200);
  });

  it("an org key's monthly cap refuses a call the org wallet could pay, and nothing is held or charged", async () => {
    const key = await alice.call('POST', `/api/orgs/${orgId}/api-keys`, {
      name: 'capped',
      spendingLimit: 0.000001,
      autoDisable: true,
    });
    expect(key.status).toBe(201);
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key.body['key'] as string, maxRetries: 0 });
    const before = await balancedOrg(orgId);
    const refused = await client.chat.completions
      .create({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: { status: number }) => error);
    expect((refused as { status: number }).status).toBe(403);
    expect(await balancedOrg(orgId)).toBe(before);
  });

  it("another org's resources are 404, leaving and transfer keep one owner, delete revokes the org's keys", async () => {
    const other = await bob.call('POST', '/api/orgs', { name: 'Bob Labs' });
    const otherId = other.body['id'] as string;
    for (const path of ['', '/members', '/api-keys', '/audit', '/credits']) {
      expect((await alice.call('GET', `/api/orgs/${otherId}${path}`)).status).toBe(404);
    }
    const keyInOther = await bob.call('POST', `/api/orgs/${otherId}/api-keys`, { name: 'x' });
    // Bob is a developer in Acme: Acme's key routes do not reach Bob Labs' key.
    expect((await bob.call('DELETE', `/api/orgs/${orgId}/api-keys/${keyInOther.body['id']}`)).status).toBe(
      404,
    );

    expect((await alice.call('POST', `/api/orgs/${orgId}/leave`)).status).toBe(400);
    expect((await alice.call('POST', `/api/orgs/${orgId}/transfer`, { userId: bobId })).status).toBe(200);
    const acme = await bob.call('GET', `/api/orgs/${orgId}`);
    expect(acme.body['role']).toBe('owner');
    expect((await alice.call('GET', `/api/orgs/${orgId}`)).body['role']).toBe('admin');
    expect((await alice.call('DELETE', `/api/orgs/${orgId}`)).status).toBe(403);

    const keys = (await bob.call('GET', `/api/orgs/${orgId}/api-keys`)).body['data'] as { state: string }[];
    expect(keys.some((k) => k.state === 'active')).toBe(true);
    const ciKey = await bob.call('POST', `/api/orgs/${orgId}/api-keys`, { name: 'after' });
    const deleted = await bob.call('DELETE', `/api/orgs/${orgId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body['keysRevoked']).toBeGreaterThanOrEqual(2);
    const client = new OpenAI({
      baseURL: harness.baseUrl,
      apiKey: ciKey.body['key'] as string,
      maxRetries: 0,
    });
    const refused = await client.models.list().catch((error: { status: number }) => error);
    expect((refused as { status: number }).status).toBe(401);
    expect((await alice.call('GET', `/api/orgs/${orgId}`)).status).toBe(404);
    // The wallet and its ledger stay behind, balanced, for the operator.
    await balancedOrg(orgId);
    expect((await bob.call('GET', '/api/orgs')).body['data']).toEqual([
      { id: otherId, slug: 'bob-labs', name: 'Bob Labs', role: 'owner' },
    ]);
    expect(await verifyAuditChain(harness.db)).toMatchObject({ ok: true });
  });

  it('personal accounts keep their own audit trail', async () => {
    const created = await bob.call('POST', '/api/api-keys', { name: 'mine' });
    await bob.call('PATCH', `/api/api-keys/${created.body['id']}`, { spendingLimit: 10 });
    const trail = await bob.call('GET', '/api/audit');
    const rows = trail.body['data'] as { action: string; before: unknown; after: unknown }[];
    expect(rows.map((row) => row.action)).toEqual(['key.updated', 'key.created']);
    expect(rows[0]).toMatchObject({ before: { spendingLimit: null }, after: { spendingLimit: 10 } });
    // Nobody else's trail shows up there.
    expect((await alice.call('GET', '/api/audit')).body['data']).toEqual([]);
  });
});
