import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMembership } from '../../src/orgs/index.ts';
import { signedIn } from '../helpers/account-client.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { startOidcIdp, type TestIdp } from '../helpers/oidc-idp.ts';

const password = 'correct horse battery staple';

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

describe.skipIf(!chromiumAvailable)('SSO in the dashboard, in headless Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let idp: TestIdp;
  let origin: string;
  let orgId: string;

  beforeAll(async () => {
    [harness, browser] = await Promise.all([
      startHarness({ config: { network: { allowPrivate: ['127.0.0.1'] } } }),
      launchBrowser(),
    ]);
    origin = harness.gateway.url;
    idp = await startOidcIdp({
      clientId: 'dash-client',
      clientSecret: 'dash-secret-long-enough',
      redirectUris: [],
    });
    await harness.newUser(0, { email: 'owner@acme.test', password });
    const owner = await signedIn(origin, 'owner@acme.test', password);
    orgId = (await owner.call('POST', '/api/orgs', { name: 'Acme Inc' })).body['id'] as string;
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await harness?.close();
  });

  it('an owner sets up OIDC (green check, redirect URI to copy), then a teammate signs in from the login form without a password', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/login?next=%2Fsettings%2Forganization`);
    await page.fill('#email', 'owner@acme.test');
    await page.fill('#password', password);
    await page.click('#login-submit');
    await page.waitForURL(`${origin}/settings/organization`);
    await expect.poll(() => page.locator('#sso-empty').isVisible()).toBe(true);
    expect(await page.locator('#sso-section').isVisible()).toBe(true);

    // A wrong issuer: the error says the discovery document could not be used.
    await page.fill('#sso-domain', 'acme.test');
    await page.fill('#sso-issuer', 'http://127.0.0.1:9');
    await page.fill('#sso-client-id', 'dash-client');
    await page.fill('#sso-client-secret', 'dash-secret-long-enough');
    await page.click('#sso-submit');
    await expect
      .poll(() => page.locator('#sso-result').textContent())
      .toMatch(/^issuer: the discovery document/);

    await page.fill('#sso-issuer', idp.issuer);
    await page.fill('#sso-client-secret', 'dash-secret-long-enough');
    await page.selectOption('#sso-role', 'developer');
    await page.click('#sso-submit');
    const item = page.locator('.sso-provider');
    await expect.poll(() => item.count()).toBe(1);
    const providerId = (await item.getAttribute('data-id'))!;
    expect(await page.locator(`#sso-check-${providerId}`).textContent()).toBe('✓ reachable');
    const redirectUri = await page.locator(`#sso-redirect-${providerId}`).textContent();
    expect(redirectUri).toBe(`${origin}/api/auth/sso/${providerId}/callback`);
    expect(await item.textContent()).toContain('✓ domain verified');
    // The one console line is the browser reporting the refused (400) save of the wrong issuer.
    expect(problems).toEqual([
      'error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    await context.close();

    // The IdP admin registers the redirect URI the page showed.
    idp.setRedirectUris([redirectUri!]);
    idp.accounts.set('dana-sub', { email: 'dana@acme.test', email_verified: true });
    idp.nextLogin = 'dana-sub';

    const teammate = await browser.newContext();
    const login = await teammate.newPage();
    const loginProblems = watch(login);
    await login.goto(`${origin}/login`);
    await login.fill('#email', 'dana@acme.test');
    await login.locator('#email').dispatchEvent('change');
    await expect
      .poll(() => login.locator('#login-submit').textContent())
      .toBe('Continue with single sign-on');
    expect(await login.locator('#password').isVisible()).toBe(false);
    await login.click('#login-submit');
    await login.waitForURL(`${origin}/usage`);
    await expect.poll(() => login.locator('#nav-email').textContent()).toBe('dana@acme.test');
    const dana = await harness.db.get<{ id: string }>('SELECT id FROM users WHERE email = ?', [
      'dana@acme.test',
    ]);
    expect((await findMembership(harness.db, orgId, dana!.id))?.role).toBe('developer');
    expect(loginProblems).toEqual([]);
    await teammate.close();

    // An IdP answer that is refused brings the browser back to the form, with the reason.
    idp.accounts.set('outsider-sub', { email: 'outsider@elsewhere.test', email_verified: true });
    idp.nextLogin = 'outsider-sub';
    const other = await browser.newContext();
    const refused = await other.newPage();
    await refused.goto(`${origin}/login`);
    await refused.fill('#email', 'someone@acme.test');
    await refused.click('#login-submit');
    await refused.waitForURL(/\/login\?sso_error=/);
    await expect
      .poll(() => refused.locator('#login-error').textContent())
      .toBe(
        'Single sign-on failed: the identity provider vouched for outsider@elsewhere.test, which is not on acme.test.',
      );
    await other.close();
  });
});
