import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.ts';
import { addMember, findMembership } from '../../src/orgs/index.ts';
import { AccountClient, signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { startOidcIdp, type TestIdp } from '../helpers/oidc-idp.ts';
import { CookieBrowser } from '../helpers/sso-browser.ts';

const password = 'correct horse battery';
const clientId = 'hypereal-gateway';
const clientSecret = 'a-client-secret-long-enough-for-hmac';

describe('OIDC single sign-on against a real OpenID Provider', () => {
  let harness: Harness;
  let idp: TestIdp;
  let root: string;
  let orgId: string;
  let owner: AccountClient;
  let providerId: string;

  beforeAll(async () => {
    harness = await startHarness({ config: { network: { allowPrivate: ['127.0.0.1'] } } });
    root = harness.gateway.url;
    await harness.newUser(0, { email: 'owner@acme.test', password });
    owner = await signedIn(root, 'owner@acme.test', password);
    orgId = (await owner.call('POST', '/api/orgs', { name: 'Acme Inc' })).body['id'] as string;
    // The redirect URI is only known once the provider exists: register a pattern-free list later.
    idp = await startOidcIdp({
      clientId,
      clientSecret,
      redirectUris: [`${root}/api/auth/sso/pending/callback`],
    });
  });
  afterAll(async () => {
    await idp?.close();
    await harness.close();
  });

  async function save(body: Record<string, unknown>) {
    return owner.call('POST', `/api/orgs/${orgId}/sso`, body);
  }

  it('checks the discovery document on save: unreachable and invalid issuers are a clear 400', async () => {
    const unreachable = await save({
      type: 'oidc',
      issuer: 'http://127.0.0.1:9/',
      clientId,
      clientSecret,
      domain: 'acme.test',
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.error?.message).toMatch(
      /^issuer: the discovery document at http:\/\/127\.0\.0\.1:9\/\.well-known\/openid-configuration could not be used/,
    );

    // The gateway itself answers, but with no discovery document.
    const notAnIdp = await save({ type: 'oidc', issuer: root, clientId, clientSecret, domain: 'acme.test' });
    expect(notAnIdp.status).toBe(400);
    expect(notAnIdp.body.error?.message).toMatch(/^issuer: the discovery document/);

    // A private address not on network.allowPrivate is refused before any request.
    const guarded = await startHarness();
    try {
      await guarded.newUser(0, { email: 'owner@acme.test', password });
      const client = await signedIn(guarded.gateway.url, 'owner@acme.test', password);
      const guardedOrg = (await client.call('POST', '/api/orgs', { name: 'Acme' })).body['id'] as string;
      const refused = await client.call('POST', `/api/orgs/${guardedOrg}/sso`, {
        type: 'oidc',
        issuer: idp.issuer,
        clientId,
        clientSecret,
        domain: 'acme.test',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error?.message).toMatch(/only public addresses can be fetched/);
    } finally {
      await guarded.close();
    }
  });

  it('saves a reachable issuer with a green check, claims the owner’s domain, and hides the secret', async () => {
    const saved = await save({
      type: 'oidc',
      issuer: idp.issuer,
      clientId,
      clientSecret,
      domain: 'ACME.test',
      defaultRole: 'developer',
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      type: 'oidc',
      domain: 'acme.test',
      checked: true,
      domainVerified: true,
      domainVerifiedBy: 'owner:owner@acme.test',
      defaultRole: 'developer',
      issuer: idp.issuer,
      clientId,
    });
    expect(saved.text).not.toContain(clientSecret);
    providerId = saved.body['id'] as string;
    expect(saved.body['redirectUri']).toBe(`${root}/api/auth/sso/${providerId}/callback`);
    expect((await listAudit(harness.db, { scope: { orgId } })).map((entry) => entry.action)).toContain(
      'sso.provider_saved',
    );
    // Now that the id is known, the IdP registers the real redirect URI.
    idp.setRedirectUris([saved.body['redirectUri'] as string]);
    const again = await save({
      type: 'oidc',
      issuer: idp.issuer,
      clientId,
      clientSecret,
      domain: 'acme.test',
      defaultRole: 'developer',
    });
    expect(again.status).toBe(200);
    expect(again.body['id']).toBe(providerId);
  });

  it('only owners and admins manage SSO; another org is a 404', async () => {
    const { user } = await harness.newUser(0, { email: 'dev@acme.test', password });
    await addMember(harness.db, { orgId, userId: user.id, role: 'developer' });
    const developer = await signedIn(root, 'dev@acme.test', password);
    const forbidden = await developer.call('GET', `/api/orgs/${orgId}/sso`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error?.message).toBe('Your role in Acme Inc (developer) does not allow sso.view.');
    const elsewhere = await owner.call('GET', '/api/orgs/org_other/sso');
    expect(elsewhere.status).toBe(404);
  });

  async function startLogin(browser: CookieBrowser, email: string): Promise<string> {
    const discover = await browser.request(`${root}/api/auth/sso/discover`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const found = (await discover.json()) as { sso: boolean; redirectUrl: string };
    expect(found.sso).toBe(true);
    return browser.followUntil(
      new URL(found.redirectUrl, root).href,
      `${root}/api/auth/sso/${providerId}/callback`,
    );
  }

  it('routes a claimed domain to the IdP, signs the user in just in time with the default role', async () => {
    idp.accounts.set('alice-sub', { email: 'alice@acme.test', email_verified: true });
    idp.nextLogin = 'alice-sub';
    const browser = new CookieBrowser();
    const callback = await startLogin(browser, 'Alice@acme.test');
    const url = new URL(callback);
    expect(url.searchParams.get('code')).toBeTruthy();
    const done = await browser.request(callback);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/');
    const session = await browser.request(`${root}/api/auth/session`);
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string; id: string } };
    expect(body.user.email).toBe('alice@acme.test');
    expect((await findMembership(harness.db, orgId, body.user.id))?.role).toBe('developer');
    expect((await listAudit(harness.db, { scope: { orgId } })).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['sso.user_provisioned', 'member.joined_via_sso']),
    );

    // The authorization request used PKCE S256, a state and a nonce.
    const browser2 = new CookieBrowser();
    const discover = await browser2.request(`${root}/api/auth/sso/${providerId}/login`);
    const authorize = new URL(discover.headers.get('location')!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
  });

  it('refuses a replayed state, and a callback from a browser that did not start the login', async () => {
    idp.accounts.set('bob-sub', { email: 'bob@acme.test', email_verified: true });
    idp.nextLogin = 'bob-sub';
    const browser = new CookieBrowser();
    const callback = await startLogin(browser, 'bob@acme.test');

    const stranger = new CookieBrowser();
    const elsewhere = await stranger.request(callback);
    expect(elsewhere.status).toBe(401);
    // The stranger's attempt consumed the state: the callback cannot be used again by anyone.
    const replay = await browser.request(callback);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(
      /unknown, expired or already used state/,
    );

    const second = new CookieBrowser();
    const fresh = await startLogin(second, 'bob@acme.test');
    expect((await second.request(fresh)).status).toBe(303);
    const replayed = await second.request(fresh);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('set-cookie')).toBeNull();
  });

  async function loginWithTamperedToken(
    tamper: NonNullable<TestIdp['tamper']>,
  ): Promise<{ status: number; message: string; cookie: string | undefined }> {
    idp.accounts.set('eve-sub', { email: 'eve@acme.test', email_verified: true });
    idp.nextLogin = 'eve-sub';
    const browser = new CookieBrowser();
    const callback = await startLogin(browser, 'eve@acme.test');
    idp.tamper = tamper;
    try {
      const response = await browser.request(callback);
      const text = await response.text();
      return {
        status: response.status,
        message: text,
        cookie: browser.cookie(root, 'hypereal_session'),
      };
    } finally {
      idp.tamper = undefined;
    }
  }

  it('refuses an ID token for another audience', async () => {
    const result = await loginWithTamperedToken((claims) => ({
      claims: { ...claims, aud: 'some-other-client' },
      signWith: 'idp',
    }));
    expect(result.status).toBe(401);
    expect(result.message).toMatch(/aud/);
    expect(result.cookie).toBeUndefined();
  });

  it('refuses an ID token with a bad signature', async () => {
    const result = await loginWithTamperedToken((claims) => ({ claims, signWith: 'rogue' }));
    expect(result.status).toBe(401);
    expect(result.message).toMatch(/signature/i);
    expect(result.cookie).toBeUndefined();
  });

  it('refuses an expired ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const result = await loginWithTamperedToken((claims) => ({
      claims: { ...claims, iat: now - 7200, exp: now - 3600 },
      signWith: 'idp',
    }));
    expect(result.status).toBe(401);
    expect(result.message).toMatch(/exp/);
    expect(result.cookie).toBeUndefined();
  });

  it('refuses an identity outside the claimed domain, and enforces SSO-only password refusal', async () => {
    idp.accounts.set('mallory-sub', { email: 'mallory@evil.test', email_verified: true });
    idp.nextLogin = 'mallory-sub';
    const browser = new CookieBrowser();
    const callback = await startLogin(browser, 'someone@acme.test');
    const outside = await browser.request(callback);
    expect(outside.status).toBe(401);
    expect(await outside.text()).toMatch(/mallory@evil\.test, which is not on acme\.test/);

    await harness.newUser(0, { email: 'carol@acme.test', password });
    expect((await new AccountClient(root).signIn('carol@acme.test', password)).status).toBe(200);
    const enforced = await save({
      type: 'oidc',
      issuer: idp.issuer,
      clientId,
      clientSecret,
      domain: 'acme.test',
      defaultRole: 'developer',
      ssoOnly: true,
    });
    expect(enforced.body['ssoOnly']).toBe(true);
    const refused = await new AccountClient(root).signIn('carol@acme.test', password);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(
      /acme\.test signs in through its organisation's single sign-on only/,
    );
    // The whole domain, owner included, now signs in through the IdP only.
    expect((await new AccountClient(root).signIn('owner@acme.test', password)).status).toBe(403);
    const discover = await new AccountClient(root).call('POST', '/api/auth/sso/discover', {
      email: 'someone@example.org',
    });
    expect(discover.body).toEqual({ sso: false });
  });
});
