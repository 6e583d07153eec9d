import OpenAI, { AuthenticationError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.ts';

const adminToken = 'test-admin-token-0123456789';

describe('operator admin API', () => {
  let harness: Harness;
  let root: string;

  beforeAll(async () => {
    harness = await startHarness({ env: { HYPEREAL_ADMIN_TOKEN: adminToken } });
    root = harness.gateway.url;
  });
  afterAll(() => harness.close());

  const call = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const response = await fetch(`${root}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('creates a user, grants credits, issues a key that works, and revokes it with immediate effect', async () => {
    expect(
      (await call('POST', '/admin/users', { email: 'ops@example.com' }, 'wrong-token-wrong-token')).status,
    ).toBe(401);

    const created = await call('POST', '/admin/users', { email: 'ops@example.com' });
    expect(created.status).toBe(201);
    const userId = created.body['id'] as string;
    expect(
      (await call('POST', `/admin/users/${userId}/credits`, { credits: 250 })).body['balanceCredits'],
    ).toBe('250');

    const issued = await call('POST', '/admin/users/ops@example.com/keys', { name: 'ci' });
    expect(issued.status).toBe(201);
    const key = issued.body['key'] as string;
    expect(key).toMatch(/^ck_/);
    const listed = await call('GET', `/admin/users/${userId}/keys`);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key, maxRetries: 0 });
    const chat = { model: 'deepseek-v3.2', messages: [{ role: 'user' as const, content: 'hi' }] };
    await client.chat.completions.create(chat);

    expect((await call('DELETE', `/admin/users/${userId}/keys/${issued.body['id']}`)).body['revoked']).toBe(
      true,
    );
    await expect(client.chat.completions.create(chat)).rejects.toBeInstanceOf(AuthenticationError);
    await harness.balancedBalance(userId);
  });

  it("names the bad field, and treats another user's key as not found", async () => {
    const bad = await call('POST', '/admin/users/nobody@example.com/credits', { credits: 'lots' });
    expect(bad.status).toBe(400);
    expect((bad.body['error'] as { param: string }).param).toBe('credits');

    const owner = await harness.newUser(0);
    const stranger = await harness.newUser(0);
    const keys = await call('GET', `/admin/users/${owner.user.id}/keys`);
    const ownerKeyId = (keys.body['data'] as Array<{ id: string }>)[0]!.id;
    expect((await call('DELETE', `/admin/users/${stranger.user.id}/keys/${ownerKeyId}`)).status).toBe(404);
    expect((await call('GET', '/admin/users/ghost@example.com')).status).toBe(404);
  });

  it('item 12: grants are top-ups of at least 200 credits; smaller or negative corrections are noted adjustments', async () => {
    const created = await call('POST', '/admin/users', { email: 'adjust@example.com' });
    const userId = created.body['id'] as string;
    for (const credits of [199, 5, -50, 0.5]) {
      const refused = await call('POST', `/admin/users/${userId}/credits`, { credits });
      expect(refused.status, String(credits)).toBe(400);
      expect((refused.body['error'] as { param: string }).param).toBe('credits');
    }
    expect((await call('POST', `/admin/users/${userId}/credits`, { credits: 200 })).body).toMatchObject({
      kind: 'grant',
      balanceCredits: '200',
    });
    // An adjustment must say why, and may not take back more than is available.
    const unexplained = await call('POST', `/admin/users/${userId}/credits`, {
      credits: -5,
      kind: 'adjustment',
    });
    expect(unexplained.status).toBe(400);
    expect((unexplained.body['error'] as { param: string }).param).toBe('note');
    const tooMuch = await call('POST', `/admin/users/${userId}/credits`, {
      credits: -201,
      kind: 'adjustment',
      note: 'refund reversal',
    });
    expect(tooMuch.status).toBe(400);
    expect(
      (
        await call('POST', `/admin/users/${userId}/credits`, {
          credits: -12.5,
          kind: 'adjustment',
          note: 'double-billed on 11-30',
        })
      ).body,
    ).toMatchObject({ kind: 'adjustment', balanceCredits: '187.5' });
    expect(
      (
        await call('POST', `/admin/users/${userId}/credits`, {
          credits: 3,
          kind: 'adjustment',
          note: 'goodwill',
        })
      ).body,
    ).toMatchObject({ kind: 'adjustment', balanceCredits: '190.5' });
    const ledger = await harness.db.all<{ kind: string; amount_micro: number; description: string }>(
      'SELECT kind, amount_micro, description FROM ledger_entries WHERE user_id = ? ORDER BY id',
      [userId],
    );
    expect(ledger.map((row) => [row.kind, Number(row.amount_micro), row.description])).toEqual([
      ['grant', 200_000_000, 'operator grant (admin API)'],
      ['adjustment', -12_500_000, 'double-billed on 11-30'],
      ['adjustment', 3_000_000, 'goodwill'],
    ]);
    await harness.balancedBalance(userId);
  });

  it('does not exist without an admin token', async () => {
    const plain = await startHarness();
    try {
      const response = await fetch(`${plain.gateway.url}/admin/users`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
