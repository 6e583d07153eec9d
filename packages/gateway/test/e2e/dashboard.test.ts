import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPassword } from '../../src/accounts/index.ts';
import { creditsToMicro, microToCredits } from '../../src/billing/index.ts';
import { createRedeemCodes } from '../../src/billing/redeem-codes.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/dashboard/', import.meta.url));
const password = 'correct horse battery staple';
const pages = ['/usage', '/manage-api-keys', '/credits'] as const;

/** What the dashboard prints for an amount of credits (ui.js `credits`). */
const creditsText = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** Console errors, uncaught exceptions and CSP violations, per page. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function noHorizontalOverflow(page: Page): Promise<void> {
  // A string, evaluated in the page: this project's TypeScript has no DOM types.
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  expect(scrollWidth, `${page.url()} overflows horizontally`).toBeLessThanOrEqual(innerWidth);
}

async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe.skipIf(!chromiumAvailable)('dashboard in headless Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    [harness, browser] = await Promise.all([startHarness(), launchBrowser()]);
    origin = harness.gateway.url;
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('serves the pages with security headers and the assets with their types', async () => {
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/usage');
    await root.arrayBuffer();

    for (const path of ['/login', ...pages]) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).not.toMatch(/<script>|\son[a-z]+=|style=/i);
    }

    const types = {
      '/dashboard/css/dashboard.css': 'text/css; charset=utf-8',
      '/dashboard/js/api.js': 'text/javascript; charset=utf-8',
      '/dashboard/vendor/chart.umd.min.js': 'text/javascript; charset=utf-8',
      '/dashboard/favicon.svg': 'image/svg+xml',
    };
    for (const [path, type] of Object.entries(types)) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // Read every body: an unread one keeps its connection busy and the gateway from closing.
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const etag = response.headers.get('etag')!;
      const again = await fetch(`${origin}${path}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      await again.arrayBuffer();
    }
    for (const path of ['/dashboard/../package.json', '/dashboard/login.html', '/dashboard/js/nope.js']) {
      const missing = await fetch(`${origin}${path}`);
      expect(missing.status).toBe(404);
      await missing.arrayBuffer();
    }
  });

  it('signs in, creates a capped key, shows its usage and cost, exports CSV, redeems a code, revokes the key', async () => {
    const { user } = await harness.newUser(500);
    await setPassword(harness.db, user.id, password);
    const desktop = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
    });
    const page = await desktop.newPage();
    const problems = watch(page);

    // Signed out: a page sends you to /login and back.
    await page.goto(`${origin}/manage-api-keys`);
    await page.waitForURL(`${origin}/login?next=%2Fmanage-api-keys`);
    await page.screenshot({ path: `${artifacts}login-desktop.png` });
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Wrong email or password.');
    expect(problems.every((problem) => problem.includes('401'))).toBe(true); // the failed POST itself
    problems.length = 0;
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/manage-api-keys`);
    await expect.poll(() => page.locator('#nav-email').textContent()).toBe(user.email);
    await expect.poll(() => page.locator('#nav-balance').textContent()).toBe('500.00 credits');

    // Create a key with a monthly limit; the secret is shown once, then gone from the DOM.
    const createForm = page.locator('#create-form');
    await createForm.getByLabel('Name').fill('browser-key');
    await createForm.getByLabel('Monthly spending limit').fill('50');
    await createForm.getByLabel('Disable the key automatically').check();
    await createForm.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    await dialog.waitFor();
    await expect.poll(() => dialog.textContent()).toContain('will not be shown again');
    const secret = (await page.locator('#secret-value').textContent())!;
    expect(secret).toMatch(/^ck_/);
    await page.screenshot({ path: `${artifacts}keys-secret-desktop.png` });
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('#secret-value').textContent()).toBe('');
    expect(await page.content()).not.toContain(secret);
    const keyRow = page.locator('#keys-body tr', { hasText: 'browser-key' });
    await expect.poll(() => keyRow.textContent()).toContain('0.00 / 50.00');
    expect(await keyRow.locator('.badge').textContent()).toBe('Active');

    // Use it with the official SDK, as an app would.
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to the dashboard' }],
    });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    const log = await until(
      () =>
        harness.db.get<{ id: string; cost_micro: number; model: string }>(
          `SELECT l.id, l.cost_micro, l.model FROM request_logs l JOIN api_keys k ON k.id = l.key_id
           WHERE k.name = 'browser-key' AND k.user_id = ? AND l.status = 200`,
          [user.id],
        ),
      'the request log',
    );
    const cost = microToCredits(Number(log.cost_micro));
    expect(cost).toBeGreaterThan(0);
    // A failed call whose logged error message carries markup: the page must show it as text.
    const markup = `<img src=x onerror="document.title='pwned'">`;
    const refused = await client.chat.completions
      .create({ model: markup, messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    const failed = await until(
      () =>
        harness.db.get<{ id: string }>(
          `SELECT l.id FROM request_logs l JOIN api_keys k ON k.id = l.key_id
           WHERE k.name = 'browser-key' AND k.user_id = ? AND l.status = 400`,
          [user.id],
        ),
      'the failed request log',
    );

    // /usage: the request, its model and exact cost in the log and the top-10 list.
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.waitForURL(`${origin}/usage?days=30`);
    const logRow = page.locator(`#log-body tr[data-log-id="${log.id}"]`);
    await logRow.waitFor();
    expect(await logRow.locator('.model').textContent()).toBe('gpt-4o-mini');
    expect(await logRow.locator('.cost').textContent()).toBe(creditsText(cost));
    expect(await logRow.textContent()).toContain('browser-key');
    const topRow = page.locator(`#top-body tr[data-log-id="${log.id}"]`);
    expect(await topRow.locator('.cost').textContent()).toBe(creditsText(cost));
    expect(await page.locator('#by-model-chart').getAttribute('aria-label')).toContain(
      `gpt-4o-mini ${creditsText(cost)} credits`,
    );
    const failedRow = page.locator(`#log-body tr[data-log-id="${failed.id}"]`);
    expect(await failedRow.locator('.error-text').textContent()).toContain(markup);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).toBe('Usage · Hypereal');
    await page.screenshot({ path: `${artifacts}usage-desktop.png`, fullPage: true });

    // Filters narrow the log and travel with the export link.
    await page.getByLabel('Status').selectOption('5xx');
    await page.locator('#log-empty').waitFor();
    expect(await page.locator('#export-link').getAttribute('href')).toBe(
      '/api/api-usage/export?days=30&status=5xx',
    );
    await page.getByRole('button', { name: 'Reset' }).click();
    await logRow.waitFor();
    await page.locator('label[for="days-7"]').click();
    await page.waitForURL(`${origin}/usage?days=7`);
    await logRow.waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^hypereal-usage-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const line = csv.split('\r\n').find((row) => row.includes(log.id))!;
    expect(line).toContain('gpt-4o-mini');
    expect(line).toContain(`,${cost},`);

    // /credits: redeem an operator's code.
    const [code] = await createRedeemCodes(harness.db, { amountMicro: creditsToMicro(250), count: 1 });
    await page.getByRole('link', { name: 'Credits' }).click();
    await page.waitForURL(`${origin}/credits`);
    await page.getByLabel('Code', { exact: true }).fill(code!);
    await page.getByRole('button', { name: 'Redeem' }).click();
    await expect.poll(() => page.locator('#redeem-result').textContent()).toMatch(/^Redeemed 250 credits\./);
    const expectedBalance = 750 - cost;
    await expect
      .poll(() => page.locator('#available').textContent())
      .toBe(expectedBalance.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    expect(await page.locator('#ledger-body tr').first().textContent()).toContain('Redeemed code');
    expect(await page.locator('#ledger-body').textContent()).toContain(`-${creditsText(cost)}`);
    await page.screenshot({ path: `${artifacts}credits-desktop.png`, fullPage: true });

    // Every page at 375 px: no horizontal scrolling, no console errors.
    const mobile = await browser.newContext({
      viewport: { width: 375, height: 812 },
      storageState: await desktop.storageState(),
      reducedMotion: 'reduce',
    });
    const phone = await mobile.newPage();
    const phoneProblems = watch(phone);
    await phone.goto(`${origin}/login`);
    await noHorizontalOverflow(phone);
    await phone.screenshot({ path: `${artifacts}login-mobile.png`, fullPage: true });
    for (const path of pages) {
      await phone.goto(`${origin}${path}`);
      await expect.poll(() => phone.locator('#nav-balance').textContent()).toMatch(/credits$/);
      await phone.waitForLoadState('networkidle');
      await noHorizontalOverflow(phone);
      await phone.screenshot({ path: `${artifacts}${path.slice(1)}-mobile.png`, fullPage: true });
    }
    await mobile.close();
    expect(phoneProblems).toEqual([]);

    // Revoke (after a confirmation): the SDK gets a 401 at once.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(`${origin}/manage-api-keys`);
    await expect.poll(() => keyRow.textContent()).toContain(' / 50.00');
    await page.screenshot({ path: `${artifacts}manage-api-keys-desktop.png`, fullPage: true });
    await page.getByRole('button', { name: 'Edit limit browser-key' }).click();
    const limitDialog = page.getByRole('dialog', { name: 'Spending limit' });
    await limitDialog.getByLabel('Monthly spending limit').fill('60');
    await limitDialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => keyRow.textContent()).toContain(' / 60.00');
    await page.getByRole('button', { name: 'Disable browser-key' }).click();
    await expect.poll(() => keyRow.locator('.badge').textContent()).toBe('Disabled');
    await page.getByRole('button', { name: 'Re-enable browser-key' }).click();
    await expect.poll(() => keyRow.locator('.badge').textContent()).toBe('Active');
    await page.getByRole('button', { name: 'Revoke browser-key' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke this key?' })
      .getByRole('button', { name: 'Revoke key' })
      .click();
    await expect.poll(() => keyRow.locator('.badge').textContent()).toBe('Revoked');
    const rejected = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still there?' }] })
      .catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((rejected as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect(problems).toEqual([]);

    // Sign out: the pages send you back to /login.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/login`);
    await page.goto(`${origin}/credits`);
    await page.waitForURL(`${origin}/login?next=%2Fcredits`);

    // `next` only ever leads to a page of this site.
    await page.goto(`${origin}/login?next=${encodeURIComponent('//evil.example/')}`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/usage?days=30`);
    await desktop.close();
  });
});
