import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Admin,
  type AdminKey,
  type AdminUser,
  AuthenticationError,
  type GpuWorkerToken,
  Hypereal,
  NotFoundError,
} from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const adminToken = 'sdk-admin-token-0123456789';
const userFields = fieldsOf<AdminUser>()([
  'id',
  'email',
  'plan',
  'rateLimitRpm',
  'balanceCredits',
  'availableCredits',
]);
const keyFields = fieldsOf<AdminKey>()(['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revoked']);
const tokenFields = fieldsOf<GpuWorkerToken>()([
  'id',
  'object',
  'name',
  'prefix',
  'createdAt',
  'lastUsedAt',
  'revokedAt',
]);

describe('the Admin client (operator API, admin token) against the gateway', () => {
  let gw: SdkHarness;
  let admin: Admin;
  beforeAll(async () => {
    gw = await startSdkHarness({}, { HYPEREAL_ADMIN_TOKEN: adminToken });
    admin = new Admin({ adminToken, baseURL: gw.url });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('a wrong token is an AuthenticationError; an unknown user a NotFoundError', async () => {
    const wrong = new Admin({ adminToken: 'not-the-token-at-all', baseURL: gw.url, maxRetries: 0 });
    await expect(wrong.users.get('nobody@example.com')).rejects.toBeInstanceOf(AuthenticationError);
    await expect(admin.users.get('nobody@example.com')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('users: create, get by email, credit (ledger balanced), password, rate limit, keys', async () => {
    const created = await admin.users.create({ email: 'ops-sdk@example.com', password: 'a long passphrase' });
    expectFields(created, userFields);
    expect(created).toMatchObject({ email: 'ops-sdk@example.com', balanceCredits: '0' });
    expect((await admin.users.get('ops-sdk@example.com')).id).toBe(created.id);

    const granted = await admin.users.credit(created.id, { credits: 500, note: 'welcome' });
    expect(granted).toMatchObject({ kind: 'grant', balanceCredits: '500' });
    const adjusted = await admin.users.credit(created.id, { credits: -20, kind: 'adjustment', note: 'fix' });
    expect(adjusted).toMatchObject({ kind: 'adjustment', balanceCredits: '480' });
    expect(await gw.harness.balancedBalance(created.id)).toBe(480_000_000);

    await admin.users.setPassword(created.id, 'another long passphrase');
    const viaLogin = new Hypereal({ baseURL: gw.url, maxRetries: 0 });
    await viaLogin.auth.login({ email: 'ops-sdk@example.com', password: 'another long passphrase' });

    expect((await admin.users.setRateLimit(created.id, 7)).rateLimitRpm).toBe(7);
    expect((await admin.users.setRateLimit(created.id, null)).rateLimitRpm).toBeNull();

    const key = await admin.users.createKey(created.id, { name: 'ops' });
    expect(key.key).toMatch(/^ck_/);
    const client = new Hypereal({ apiKey: key.key, baseURL: gw.url, maxRetries: 0 });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    const keys = await admin.users.listKeys(created.id);
    expectFields(keys[0], keyFields);
    expect(keys.map((each) => each.id)).toEqual([key.id]);
    expect(await admin.users.revokeKey(created.id, key.id)).toEqual({ id: key.id, revoked: true });
    await expect(client.models.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('redeem codes created by the operator are redeemed by a user', async () => {
    const { codes, credits } = await admin.redeemCodes.create({ credits: 250, count: 2, note: 'promo' });
    expect(credits).toBe(250);
    expect(codes).toHaveLength(2);
    const email = `redeem-${Date.now()}@example.com`;
    const user = await gw.newUser(0, { email, password: 'a long passphrase' });
    await user.sdk.auth.login({ email, password: 'a long passphrase' });
    expect(await user.sdk.credits.redeem(codes[0]!)).toEqual({ credits: 250, balance: 250 });
    expect(await gw.harness.balancedBalance(user.user.id)).toBe(250_000_000);
  });

  it('GPU worker tokens: create (secret once), list, revoke', async () => {
    const created = await admin.gpuWorkerTokens.create('rack-1');
    expect(created.token).toMatch(/^gwt_/);
    const listed = await admin.gpuWorkerTokens.list();
    expectFields(listed[0], tokenFields);
    expect(listed.find((each) => each.id === created.id)).toMatchObject({ name: 'rack-1', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(await admin.gpuWorkerTokens.revoke(created.id)).toEqual({ id: created.id, revoked: true });
    await expect(admin.gpuWorkerTokens.revoke(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
