import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedeemCodes } from '../../gateway/src/billing/redeem-codes.ts';
import {
  type ApiKey,
  type ApiKeyDetail,
  AuthenticationError,
  type CreatedApiKey,
  type CreditBalance,
  Hypereal,
  type LedgerEntry,
  type Org,
  type SessionInfo,
  type TopUpOffer,
  type UsageAnalytics,
  type UsageLog,
} from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const keyFields = fieldsOf<ApiKey>()([
  'id',
  'name',
  'prefix',
  'createdAt',
  'lastUsedAt',
  'expiresAt',
  'spendingLimit',
  'autoDisable',
  'monthToDateSpend',
  'state',
]);
const keyDetailFields = fieldsOf<ApiKeyDetail>()([...keyFields, 'webhookUrl'] as (keyof ApiKeyDetail &
  string)[]);
const createdKeyFields = fieldsOf<CreatedApiKey>()([...keyFields, 'key'] as (keyof CreatedApiKey & string)[]);
const sessionFields = fieldsOf<SessionInfo>()(['user', 'csrfToken']);
const analyticsFields = fieldsOf<UsageAnalytics>()([
  'logs',
  'total',
  'limit',
  'offset',
  'costByModel',
  'topExpensiveRequests',
  'dailyCost',
]);
const logFields = fieldsOf<UsageLog>()([
  'id',
  'createdAt',
  'endpoint',
  'model',
  'provider',
  'status',
  'stream',
  'latencyMs',
  'promptTokens',
  'completionTokens',
  'cachedTokens',
  'reasoningTokens',
  'images',
  'imageTier',
  'cost',
  'keyId',
  'keyName',
  'errorMessage',
]);
const balanceFields = fieldsOf<CreditBalance>()(['balance', 'held', 'available']);
const ledgerFields = fieldsOf<LedgerEntry>()([
  'id',
  'amount',
  'balanceAfter',
  'kind',
  'description',
  'requestId',
  'paymentId',
  'createdAt',
]);
const topUpFields = fieldsOf<TopUpOffer>()(['enabled', 'currency', 'minimum', 'maximum', 'presets']);
const orgFields = fieldsOf<Org>()(['id', 'slug', 'name', 'role']);

describe('the account API (session, not key) against the gateway', () => {
  let gw: SdkHarness;
  beforeAll(async () => {
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
  });

  const password = 'a long passphrase';
  const signedIn = async (credits = 1000) => {
    const email = `acct-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const user = await gw.newUser(credits, { email, password });
    const session = await user.sdk.auth.login({ email, password });
    return { ...user, email, session };
  };

  it('auth.login keeps the session; session(); logout ends it (then a 401)', async () => {
    const { sdk, session, email } = await signedIn();
    expectFields(session, sessionFields);
    expect(session.user.email).toBe(email);
    expect((await sdk.auth.session()).user.email).toBe(email);
    await sdk.auth.logout();
    await expect(sdk.auth.session()).rejects.toBeInstanceOf(AuthenticationError);
    // A ck_ key alone does not open the account API: it is session-only.
    await expect(sdk.keys.list()).rejects.toMatchObject({ status: 401, code: 'not_signed_in' });
    const wrong = new Hypereal({ baseURL: gw.url, maxRetries: 0 });
    await expect(wrong.auth.login({ email, password: 'nope' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
    });
  });

  it('keys: create (secret once), list, get, update, revoke, enable — and the new key works', async () => {
    const { sdk } = await signedIn();
    const created = await sdk.keys.create({ name: 'ci', spendingLimit: 500 });
    expectFields(created, createdKeyFields);
    expect(created.key).toMatch(/^ck_/);
    const listed = await sdk.keys.list();
    expectFields(listed[0], keyFields);
    expect(listed.map((key) => key.id)).toContain(created.id);
    expectFields(await sdk.keys.get(created.id), keyDetailFields);
    const disabled = await sdk.keys.update(created.id, { disabled: true, name: 'ci-2' });
    expectFields(disabled, keyDetailFields);
    expect(disabled).toMatchObject({ name: 'ci-2', state: 'disabled' });
    const viaKey = new Hypereal({ apiKey: created.key, baseURL: gw.url, maxRetries: 0 });
    // A disabled key is refused like an unknown one (401, the API contract's "disabled" case).
    await expect(viaKey.models.list()).rejects.toBeInstanceOf(AuthenticationError);
    expect((await sdk.keys.enable(created.id)).state).toBe('active');
    expect((await viaKey.models.list()).data.length).toBeGreaterThan(0);
    expect((await sdk.keys.revoke(created.id)).state).toBe('revoked');
    await expect(viaKey.models.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('usage.analytics and usage.exportCsv see the key’s calls', async () => {
    const { sdk } = await signedIn();
    await sdk.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const usage = await sdk.usage.analytics({ days: 1 });
    expectFields(usage, analyticsFields);
    expect(usage.total).toBe(1);
    expectFields(usage.logs[0], logFields);
    expect(usage.logs[0]).toMatchObject({
      endpoint: '/v1/chat/completions',
      model: 'deepseek-v3.2',
      status: 200,
    });
    const csv = await sdk.usage.exportCsv({ days: 1 });
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('deepseek-v3.2');
  });

  it('credits: balance, ledger (paginated), redeem, top-up offer; orgs create and list', async () => {
    const { sdk, user } = await signedIn(1000);
    const balance = await sdk.credits.balance();
    expectFields(balance, balanceFields);
    expect(balance.balance).toBe(1000);
    const [code] = await createRedeemCodes(gw.harness.db, { amountMicro: 250 * 1_000_000, count: 1 });
    const redeemed = await sdk.credits.redeem(code!);
    expect(redeemed).toEqual({ credits: 250, balance: 1250 });
    const entries: LedgerEntry[] = [];
    for await (const entry of sdk.credits.ledger({ limit: 1 })) entries.push(entry);
    expect(entries).toHaveLength(2);
    expectFields(entries[0], ledgerFields);
    expect(entries[0]!.amount).toBe(250);
    expect((await sdk.credits.ledger({ limit: 1 })).hasNextPage()).toBe(true);
    expectFields(await sdk.credits.topUps(), topUpFields);
    expect((await sdk.credits.payments()).data).toEqual([]);
    const org = await sdk.orgs.create({ name: 'SDK Org' });
    expectFields(org, orgFields);
    expect(org.role).toBe('owner');
    expect((await sdk.orgs.list()).map((each) => each.id)).toEqual([org.id]);
    // Routes without a method of their own: the same session, CSRF token and typed errors.
    const members = await sdk.request<{ data: Array<{ role: string }> }>({
      method: 'GET',
      path: `/api/orgs/${org.id}/members`,
    });
    expect(members.data.map((member) => member.role)).toEqual(['owner']);
    const renamed = await sdk.request<{ name: string }>({
      method: 'PATCH',
      path: `/api/orgs/${org.id}`,
      body: { name: 'SDK Org 2' },
    });
    expect(renamed.name).toBe('SDK Org 2');
    await expect(sdk.request({ method: 'GET', path: '/api/orgs/org_nope' })).rejects.toMatchObject({
      status: 404,
    });
    expect(await gw.harness.balancedBalance(user.id)).toBe(1250 * 1_000_000);
  });

  it('a session given as an option (cookie value) works without login; a wrong CSRF token is a 403', async () => {
    const { sdk, email } = await signedIn();
    const login = await fetch(`${gw.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const reused = new Hypereal({ baseURL: gw.url, session: { cookie: cookie.split('=')[1]! } });
    expect((await reused.auth.session()).user.email).toBe(email);
    // No token given: the SDK fetches it before the first change.
    expect((await reused.keys.create({ name: 'from cookie' })).key).toMatch(/^ck_/);
    const forged = new Hypereal({ baseURL: gw.url, session: { cookie, csrfToken: 'forged' }, maxRetries: 0 });
    await expect(forged.keys.create({ name: 'x' })).rejects.toMatchObject({
      status: 403,
      code: 'csrf_failed',
    });
    expect((await sdk.keys.list()).length).toBeGreaterThan(0);
  });
});
