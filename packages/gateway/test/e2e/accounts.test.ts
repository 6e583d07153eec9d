import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountClient, signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const password = 'correct horse battery';

describe('dashboard sign-in: sessions, CSRF, throttling, password change', () => {
  let harness: Harness;
  let root: string;

  beforeAll(async () => {
    harness = await startHarness();
    root = harness.gateway.url;
  });
  afterAll(() => harness.close());

  it('signs in with email and password into an HttpOnly session, and signs out', async () => {
    const { user } = await harness.newUser(0, { email: 'ada@example.com', password });
    const client = new AccountClient(root);
    expect((await client.call('GET', '/api/auth/session')).status).toBe(401);

    const login = await client.signIn('ADA@example.com ', password);
    expect(login.status).toBe(200);
    expect(login.body['user']).toEqual({ id: user.id, email: 'ada@example.com', plan: 'default' });
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hypereal_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(login.text).not.toContain(cookie.split(';')[0]!.split('=')[1]!);

    const session = await client.call('GET', '/api/auth/session');
    expect(session.status).toBe(200);
    expect(session.body['csrfToken']).toBe(login.body['csrfToken']);

    const stolenCookie = client.cookie;
    expect((await client.call('POST', '/api/auth/logout')).status).toBe(204);
    expect(client.cookie).toBeUndefined();
    const replay = new AccountClient(root);
    replay.cookie = stolenCookie;
    expect((await replay.call('GET', '/api/auth/session')).status).toBe(401);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    await harness.newUser(0, { email: 'bob@example.com', password });
    const wrong = await new AccountClient(root).signIn('bob@example.com', 'not the password');
    const unknown = await new AccountClient(root).signIn('nobody@example.com', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const passwordless = await harness.newUser(0, { email: 'keyonly@example.com' });
    expect((await new AccountClient(root).signIn(passwordless.user.email, '')).status).toBe(400);
    expect((await new AccountClient(root).signIn(passwordless.user.email, 'anything-at-all')).status).toBe(
      401,
    );
  });

  it('never promotes a session id planted before sign-in (session fixation)', async () => {
    await harness.newUser(0, { email: 'carol@example.com', password });
    const attacker = await signedIn(root, 'carol@example.com', password);
    const planted = attacker.cookie!;

    const victim = new AccountClient(root);
    victim.cookie = `hypereal_session=${'x'.repeat(43)}`;
    await victim.signIn('carol@example.com', password);
    expect(victim.cookie).toMatch(/^hypereal_session=/);
    expect(victim.cookie).not.toBe(`hypereal_session=${'x'.repeat(43)}`);

    // A real session the browser arrived with is ended, not reused.
    const browser = new AccountClient(root);
    browser.cookie = planted;
    await browser.signIn('carol@example.com', password);
    expect(browser.cookie).not.toBe(planted);
    expect((await attacker.call('GET', '/api/auth/session')).status).toBe(401);
  });

  it('refuses state-changing calls without the CSRF token or from another origin', async () => {
    await harness.newUser(0, { email: 'dave@example.com', password });
    const client = await signedIn(root, 'dave@example.com', password);
    const create = (options: { csrf?: string | null; origin?: string }) =>
      client.call('POST', '/api/api-keys', { name: 'k' }, options);

    const missing = await create({ csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.body.error?.code).toBe('csrf_failed');
    expect((await create({ csrf: 'forged-token-forged-token' })).status).toBe(403);
    expect((await create({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await create({ origin: root })).status).toBe(201);
    const keys = await client.call('GET', '/api/api-keys');
    // Only the one accepted call created a key (the harness gave the user one already).
    expect((keys.body['data'] as Array<{ name: string }>).filter((key) => key.name === 'k')).toHaveLength(1);
  });

  it('throttles repeated failures for an email (429 with Retry-After), even with the right password next', async () => {
    await harness.newUser(0, { email: 'eve@example.com', password });
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await new AccountClient(root).signIn('eve@example.com', `guess-${attempt}`)).status).toBe(401);
    }
    const blocked = await new AccountClient(root).signIn('eve@example.com', password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(blocked.body.error?.type).toBe('rate_limit_error');
    // Another account is not locked out by someone else's failures.
    await harness.newUser(0, { email: 'frank@example.com', password });
    expect((await new AccountClient(root).signIn('frank@example.com', password)).status).toBe(200);
  });

  it('changes the password: current one required, other sessions signed out', async () => {
    await harness.newUser(0, { email: 'grace@example.com', password });
    const laptop = await signedIn(root, 'grace@example.com', password);
    const phone = await signedIn(root, 'grace@example.com', password);

    const wrong = await laptop.call('POST', '/api/auth/password', {
      currentPassword: 'wrong password',
      newPassword: 'a brand new passphrase',
    });
    expect(wrong.status).toBe(401);
    const short = await laptop.call('POST', '/api/auth/password', {
      currentPassword: password,
      newPassword: 'short',
    });
    expect(short.status).toBe(400);
    expect(short.body.error?.message).toMatch(/at least 10 characters/);

    const changed = await laptop.call('POST', '/api/auth/password', {
      currentPassword: password,
      newPassword: 'a brand new passphrase',
    });
    expect(changed.status).toBe(204);
    expect((await laptop.call('GET', '/api/auth/session')).status).toBe(200);
    expect((await phone.call('GET', '/api/auth/session')).status).toBe(401);
    // Recorded in the account's own audit trail, without either password.
    const trail = await laptop.call('GET', '/api/audit');
    expect((trail.body['data'] as { action: string }[]).map((row) => row.action)).toEqual([
      'account.password_changed',
    ]);
    expect(trail.text).not.toContain('brand new');
    expect((await new AccountClient(root).signIn('grace@example.com', password)).status).toBe(401);
    expect((await new AccountClient(root).signIn('grace@example.com', 'a brand new passphrase')).status).toBe(
      200,
    );
  });

  it('stores passwords only as memory-hard hashes', async () => {
    const { user } = await harness.newUser(0, { email: 'heidi@example.com', password });
    const row = await harness.db.get<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = ?',
      [user.id],
    );
    expect(row!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row!.password_hash).not.toContain(password);
  });
});
