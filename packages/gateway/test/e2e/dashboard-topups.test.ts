import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPassword } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { startHarness } from '../helpers/harness.ts';
import { type StripeHarness, startStripeHarness } from '../helpers/stripe.ts';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/dashboard/', import.meta.url));
const password = 'correct horse battery staple';

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`${message.type()}: ${message.text()} @ ${page.url()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function signIn(page: Page, origin: string, email: string): Promise<void> {
  await page.goto(`${origin}/credits`);
  await page.waitForURL(`${origin}/login?next=%2Fcredits`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}/credits`);
}

describe.skipIf(!chromiumAvailable)('/credits top-ups in headless Chromium', () => {
  let harness: StripeHarness;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    [harness, browser] = await Promise.all([startStripeHarness(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('picks an amount, goes to Stripe Checkout, pays, and comes back to the credits and the receipt', async () => {
    const origin = harness.gateway.url;
    const { user } = await harness.newUser(0);
    await setPassword(harness.db, user.id, password);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    const problems = watch(page);
    await signIn(page, origin, user.email);
    // The signed-out visit's 401 (the session check that sent us to /login) is expected.
    expect(problems.every((problem) => problem.includes('401'))).toBe(true);
    problems.length = 0;

    const form = page.locator('#topup-form');
    await form.waitFor();
    expect(await page.locator('#topup-off').isHidden()).toBe(true);
    const presets = await page.locator('#topup-presets label').allTextContents();
    expect(presets).toEqual(['5.00 USD', '10.00 USD', '25.00 USD', '100.00 USD']);
    expect(await page.getByLabel('Credits').inputValue()).toBe('500');
    expect(await page.locator('#topup-hint').textContent()).toContain('From 200 to 100,000 credits');

    // Below the minimum: refused in the page, Stripe never called.
    const before = harness.fake.requests.length;
    await page.getByLabel('Credits').fill('150');
    await page.getByRole('button', { name: 'Pay with Stripe' }).click();
    await expect
      .poll(() => page.locator('#topup-result').textContent())
      .toBe('Enter a whole number of credits from 200 to 100,000.');
    expect(harness.fake.requests.length).toBe(before);

    // A preset fills the amount; paying leaves for Stripe's hosted page.
    await page.getByText('10.00 USD').click();
    expect(await page.getByLabel('Credits').inputValue()).toBe('1000');
    await page.screenshot({ path: `${artifacts}credits-topup-desktop.png` });
    await page.getByRole('button', { name: 'Pay with Stripe' }).click();
    await page.waitForURL(new RegExp(`^${harness.fake.url}/c/pay/cs_test_`));
    expect(await page.locator('h1').textContent()).toBe('Pay USD 10.00');
    const sessionId = (await page.locator('#session').textContent())!;
    expect(harness.fake.sessions.get(sessionId)?.client_reference_id).toBe(user.id);

    // The payer pays; Stripe sends the signed webhook and the browser back to /credits.
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(`${origin}/credits?checkout=success&session_id=${sessionId}`);
    await expect
      .poll(() => page.locator('#topup-result').textContent())
      .toBe('Added 1,000 credits. Thank you!');
    await expect.poll(() => page.locator('#balance').textContent()).toBe('1,000.00');
    const line = page.locator('#ledger-body tr').first();
    expect(await line.locator('.badge').textContent()).toBe('Top-up');
    const receipt = line.getByRole('link', { name: 'Receipt' });
    const paymentId = (await receipt.getAttribute('href'))!.replace('#payment-', '');
    expect(paymentId).toMatch(/^pay_/);
    const paymentRow = page.locator(`#payment-${paymentId}`);
    expect(await paymentRow.locator('.badge').textContent()).toBe('Paid');
    expect(await paymentRow.textContent()).toContain('10.00 USD');
    await page.screenshot({ path: `${artifacts}credits-topup-paid-desktop.png`, fullPage: true });
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1000));

    // Changing one's mind on Stripe's page comes back with nothing charged.
    await page.getByLabel('Credits').fill('2000');
    await page.getByRole('button', { name: 'Pay with Stripe' }).click();
    await page.waitForURL(new RegExp(`^${harness.fake.url}/c/pay/`));
    await page.getByRole('link', { name: 'Back' }).click();
    await page.waitForURL(`${origin}/credits?checkout=cancelled`);
    await expect
      .poll(() => page.locator('#topup-result').textContent())
      .toBe('Checkout cancelled; nothing was charged.');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1000));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('fits a phone screen', async () => {
    const { user } = await harness.newUser(0);
    await setPassword(harness.db, user.id, password);
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await signIn(page, harness.gateway.url, user.email);
    await page.locator('#topup-form').waitFor();
    const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
    );
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await page.screenshot({ path: `${artifacts}credits-topup-mobile.png`, fullPage: true });
    await context.close();
  });

  it('says top-ups are off when the gateway has no Stripe keys, and redeeming stays', async () => {
    const plain = await startHarness();
    try {
      const { user } = await plain.newUser(0);
      await setPassword(plain.db, user.id, password);
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, plain.gateway.url, user.email);
      await page.locator('#topup-off').waitFor();
      expect(await page.locator('#topup-off').textContent()).toContain('Card top-ups are off');
      expect(await page.locator('#topup-form').isHidden()).toBe(true);
      expect(await page.locator('#redeem-form').isVisible()).toBe(true);
      await context.close();
    } finally {
      await plain.close();
    }
  });
});
