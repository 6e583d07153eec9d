import OpenAI, { type APIError, AuthenticationError, PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../src/accounts/index.ts';
import { type AccountClient, signedIn } from '../helpers/account-client.ts';
import { engines } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const password = 'correct horse battery';
// 1 credit per 1,000 input tokens, 2 per 1,000 output tokens: costs checkable by hand.
const pricedModel = {
  'priced-demo': {
    route: 'openai/priced-demo',
    price: { input: 10, output: 20 },
    maxOutputTokens: 4096,
  },
};

interface KeyView {
  id: string;
  name: string;
  prefix: string;
  state: string;
  spendingLimit: number | null;
  monthToDateSpend: number;
  lastUsedAt: number | null;
  key?: string;
}

const sdk = (harness: Harness, key: string) =>
  new OpenAI({ baseURL: harness.baseUrl, apiKey: key, maxRetries: 0 });
const ask = (client: OpenAI, options: { maxTokens?: number; reply?: number } = {}) =>
  client.chat.completions.create({
    model: 'priced-demo',
    messages: [{ role: 'user', content: `[[sim:reply_tokens=${options.reply ?? 200}]] Tell me a story.` }],
    ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
  });

async function loggedSpend(harness: Harness, keyId: string): Promise<number> {
  const row = await harness.db.get<{ total: number | null }>(
    'SELECT SUM(cost_micro) AS total FROM request_logs WHERE key_id = ?',
    [keyId],
  );
  return Number(row?.total ?? 0);
}

async function budgetRow(harness: Harness, keyId: string) {
  const row = await harness.db.get<{ spent_micro: number; held_micro: number }>(
    'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id = ? AND month = ?',
    [keyId, monthOf(Date.now())],
  );
  return { spent: Number(row?.spent_micro ?? 0), held: Number(row?.held_micro ?? 0) };
}

describe('/api/api-keys: create, list, update, revoke, re-enable — the signed-in user only', () => {
  let harness: Harness;
  let alice: AccountClient;
  let bob: AccountClient;

  beforeAll(async () => {
    harness = await startHarness({ config: { models: pricedModel } });
    await harness.newUser(500, { email: 'alice@example.com', password });
    await harness.newUser(500, { email: 'bob@example.com', password });
    alice = await signedIn(harness.gateway.url, 'alice@example.com', password);
    bob = await signedIn(harness.gateway.url, 'bob@example.com', password);
  });
  afterAll(() => harness.close());

  it('shows the secret once, stores only its hash, and tracks use and month-to-date spend', async () => {
    const created = await alice.call('POST', '/api/api-keys', { name: 'prod-eu', spendingLimit: 50000 });
    expect(created.status).toBe(201);
    const view = created.body as unknown as KeyView;
    expect(view).toMatchObject({
      name: 'prod-eu',
      spendingLimit: 50000,
      state: 'active',
      monthToDateSpend: 0,
    });
    expect(view.key).toMatch(/^ck_/);
    expect(view.key!.startsWith(view.prefix)).toBe(true);
    const stored = await harness.db.get<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = ?', [
      view.id,
    ]);
    expect(JSON.stringify(stored)).not.toContain(view.key!.slice(view.prefix.length));

    await ask(sdk(harness, view.key!), { maxTokens: 50, reply: 50 });
    const listed = (await alice.call('GET', '/api/api-keys')).body['data'] as KeyView[];
    const mine = listed.find((key) => key.id === view.id)!;
    expect(JSON.stringify(listed)).not.toContain(view.key!);
    expect(mine.lastUsedAt).toBeGreaterThan(0);
    expect(mine.monthToDateSpend * 1e6).toBe(await loggedSpend(harness, view.id));
    expect(mine.monthToDateSpend).toBeGreaterThan(0);
  });

  it('shows the real month-to-date spend of a key without a spending limit', async () => {
    const created = (await alice.call('POST', '/api/api-keys', { name: 'unlimited' }))
      .body as unknown as KeyView;
    expect(created.spendingLimit).toBeNull();
    await ask(sdk(harness, created.key!), { maxTokens: 50, reply: 50 });
    await ask(sdk(harness, created.key!), { maxTokens: 50, reply: 30 });
    const spent = await loggedSpend(harness, created.id);
    expect(spent).toBeGreaterThan(0);
    const listed = (await alice.call('GET', '/api/api-keys')).body['data'] as KeyView[];
    expect(listed.find((key) => key.id === created.id)!.monthToDateSpend * 1e6).toBe(spent);
    const one = (await alice.call('GET', `/api/api-keys/${created.id}`)).body as unknown as KeyView;
    expect(one.monthToDateSpend * 1e6).toBe(spent);
    // Last month's spend is not this month's.
    await harness.db.run('UPDATE request_logs SET created_at = ? WHERE key_id = ?', [
      Date.parse(`${monthOf(Date.now())}-01T00:00:00Z`) - 1,
      created.id,
    ]);
    const later = (await alice.call('GET', `/api/api-keys/${created.id}`)).body as unknown as KeyView;
    expect(later.monthToDateSpend).toBe(0);
  });

  it('updates name and limit, disables and re-enables, revokes for good', async () => {
    const created = (await alice.call('POST', '/api/api-keys', { name: 'ci' })).body as unknown as KeyView;
    const client = sdk(harness, created.key!);
    const patched = await alice.call('PATCH', `/api/api-keys/${created.id}`, {
      name: 'ci-eu',
      spendingLimit: 25,
    });
    expect(patched.body).toMatchObject({ name: 'ci-eu', spendingLimit: 25, state: 'active' });
    expect((await alice.call('PATCH', `/api/api-keys/${created.id}`, { spendingLimit: -1 })).status).toBe(
      400,
    );

    expect((await alice.call('PATCH', `/api/api-keys/${created.id}`, { disabled: true })).body['state']).toBe(
      'disabled',
    );
    await expect(ask(client, { maxTokens: 5 })).rejects.toBeInstanceOf(AuthenticationError);
    expect((await alice.call('POST', `/api/api-keys/${created.id}/enable`)).body['state']).toBe('active');
    await expect(ask(client, { maxTokens: 5, reply: 5 })).resolves.toBeTruthy();

    expect((await alice.call('DELETE', `/api/api-keys/${created.id}`)).body['state']).toBe('revoked');
    await expect(ask(client, { maxTokens: 5 })).rejects.toBeInstanceOf(AuthenticationError);
    const reenable = await alice.call('POST', `/api/api-keys/${created.id}/enable`);
    expect(reenable.status).toBe(400);
    expect(reenable.body.error?.message).toMatch(/revoked/);
  });

  it("another user's key is a 404 for every verb, and stays untouched", async () => {
    const created = (await alice.call('POST', '/api/api-keys', { name: 'private' }))
      .body as unknown as KeyView;
    for (const [method, path, body] of [
      ['GET', `/api/api-keys/${created.id}`, undefined],
      ['PATCH', `/api/api-keys/${created.id}`, { name: 'mine now' }],
      ['POST', `/api/api-keys/${created.id}/enable`, undefined],
      ['DELETE', `/api/api-keys/${created.id}`, undefined],
    ] as const) {
      const response = await bob.call(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error?.type).toBe('not_found_error');
    }
    const bobsKeys = (await bob.call('GET', '/api/api-keys')).body['data'] as KeyView[];
    expect(bobsKeys.map((key) => key.id)).not.toContain(created.id);
    const still = (await alice.call('GET', `/api/api-keys/${created.id}`)).body as unknown as KeyView;
    expect(still).toMatchObject({ name: 'private', state: 'active' });
  });

  it('rejects bad bodies with the field named', async () => {
    const response = await alice.call('POST', '/api/api-keys', { name: '', spendingLimit: 'lots' });
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toMatch(/name|spendingLimit/);
    expect((await alice.call('POST', '/api/api-keys', { name: 'x', extra: 1 })).status).toBe(400);
  });
});

describe.each(engines)('hard monthly spending cap per key (%s)', (engine) => {
  let harness: Harness;
  let smtp: SmtpSink;
  let account: AccountClient;
  let userId: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    harness = await startHarness({
      engine,
      config: { models: pricedModel },
      env: { SMTP_URL: smtp.url, HYPEREAL_MAIL_FROM: 'Hypereal <alerts@hypereal.test>' },
    });
    const email = `capped-${engine}@example.com`;
    userId = (await harness.newUser(1000, { email, password })).user.id;
    account = await signedIn(harness.gateway.url, email, password);
  });
  afterAll(async () => {
    await harness.close();
    await smtp.close();
  });

  it('30 concurrent calls can never push a key past its cap; balance and key spend match the ledger and logs', async () => {
    const created = (await account.call('POST', '/api/api-keys', { name: 'burst', spendingLimit: 2 }))
      .body as unknown as KeyView;
    const client = sdk(harness, created.key!);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => ask(client, { maxTokens: 200 })),
    );

    const ok = results.filter((result) => result.status === 'fulfilled').length;
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(ok).toBeGreaterThan(0);
    expect(ok + refused.length).toBe(30);
    for (const error of refused) {
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as APIError).code).toBe('spending_limit_exceeded');
    }
    const spent = await loggedSpend(harness, created.id);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(2_000_000);
    expect(await budgetRow(harness, created.id)).toEqual({ spent, held: 0 });
    await harness.balancedBalance(userId);
  });

  it('emails at 80 % and at the cap (once each), auto-disables, and comes back on re-enable or a new month', async () => {
    const created = (
      await account.call('POST', '/api/api-keys', {
        name: 'runaway-loop',
        spendingLimit: 2,
        autoDisable: true,
      })
    ).body as unknown as KeyView;
    const client = sdk(harness, created.key!);
    const mailsBefore = smtp.mails.length;

    // A runaway loop: each call ~0.42 credits; the last ones are trimmed to what is left, then refused.
    let refusal: unknown;
    for (let call = 0; call < 20 && !refusal; call++) {
      await ask(client).catch((error: unknown) => {
        refusal = error;
      });
    }
    expect(refusal).toBeInstanceOf(PermissionDeniedError);
    const spent = await loggedSpend(harness, created.id);
    expect(spent).toBeLessThanOrEqual(2_000_000);
    expect(spent).toBeGreaterThan(1_900_000);
    await harness.gateway.services.spendingAlerts.settled();

    const aboutThisKey = () => smtp.mails.filter((mail) => mail.subject.includes('runaway-loop'));
    await smtp.waitFor(mailsBefore + 2);
    const mails = aboutThisKey();
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Heads-up: API key runaway-loop has used 80% of its monthly limit',
      'API key runaway-loop reached its monthly spending limit',
    ]);
    expect(mails.every((mail) => mail.to[0] === `capped-${engine}@example.com`)).toBe(true);
    expect(mails[1]!.raw).toMatch(/has been disabled/);

    // Disabled at the cap: a clear 403, and no more mail however often the loop retries.
    const disabled = await ask(client, { maxTokens: 5 }).catch((error: unknown) => error);
    expect(disabled).toBeInstanceOf(PermissionDeniedError);
    expect((disabled as APIError).code).toBe('key_disabled');
    expect((disabled as APIError).message).toMatch(/monthly spending limit/);
    const listed = (await account.call('GET', `/api/api-keys/${created.id}`)).body as unknown as KeyView;
    expect(listed).toMatchObject({ state: 'capped', monthToDateSpend: spent / 1e6 });
    await harness.gateway.services.spendingAlerts.settled();
    expect(aboutThisKey()).toHaveLength(2);

    // Re-enabled but still at the cap: refused by the budget (not disabled again this month); a higher limit lets it run.
    await account.call('POST', `/api/api-keys/${created.id}/enable`);
    // Both land in the owner's own audit trail: the gateway's auto-disable, then the owner's re-enable.
    const trail = (await account.call('GET', '/api/audit?limit=5')).body['data'] as {
      action: string;
      targetId: string;
      actorId: string | null;
      after: { state?: string };
    }[];
    expect(trail.filter((row) => row.targetId === created.id).slice(0, 2)).toMatchObject([
      { action: 'key.updated', after: { state: 'active' } },
      { action: 'key.auto_disabled', actorId: null, after: { state: 'capped' } },
    ]);
    const still = await ask(client, { maxTokens: 5 }).catch((error: unknown) => error);
    expect((still as APIError).code).toBe('spending_limit_exceeded');
    await harness.gateway.services.spendingAlerts.settled();
    expect(
      ((await account.call('GET', `/api/api-keys/${created.id}`)).body as unknown as KeyView).state,
    ).toBe('active');
    await account.call('PATCH', `/api/api-keys/${created.id}`, { spendingLimit: 10 });
    await expect(ask(client, { maxTokens: 5, reply: 5 })).resolves.toBeTruthy();

    // A key capped last month is active again this month, with a fresh budget.
    await account.call('PATCH', `/api/api-keys/${created.id}`, { spendingLimit: 2 });
    await harness.db.run("UPDATE key_budgets SET month = '2000-01' WHERE key_id = ?", [created.id]);
    await harness.db.run('UPDATE request_logs SET created_at = 1 WHERE key_id = ?', [created.id]);
    await harness.db.run(
      "UPDATE api_keys SET disabled_reason = 'spending_limit', disabled_month = '2000-01', disabled_at = 1 WHERE id = ?",
      [created.id],
    );
    harness.gateway.services.keys.invalidate();
    await expect(ask(client, { maxTokens: 5, reply: 5 })).resolves.toBeTruthy();
    const fresh = (await account.call('GET', `/api/api-keys/${created.id}`)).body as unknown as KeyView;
    expect(fresh.state).toBe('active');
    expect(fresh.monthToDateSpend).toBeLessThan(0.1);
    await harness.balancedBalance(userId);
  });
});
