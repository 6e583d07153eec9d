import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPassword } from '../../src/accounts/index.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/dashboard/', import.meta.url));
const password = 'correct horse battery staple';

/** What the dashboard prints for an amount of credits (ui.js `credits`). */
const creditsText = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** Console errors and warnings, uncaught exceptions and CSP violations of a page. */
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

interface CatalogueModel {
  slug: string;
  mode: string;
  price: { perCall?: number; perSecond?: number };
  maxSeconds: number;
}

describe.skipIf(!chromiumAvailable)('dashboard GPU pages in headless Chromium', () => {
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

  async function signIn(
    email: string,
    path: string,
  ): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}${path}`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}${path}`);
    // The signed-out session check before the redirect to /login is the one expected 401.
    expect(problems.every((problem) => problem.includes('401'))).toBe(true);
    problems.length = 0;
    return { context, page, problems };
  }

  /** The same session on a 375 px wide phone screen. */
  async function phoneOf(
    desktop: BrowserContext,
  ): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      storageState: await desktop.storageState(),
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    return { context, page, problems: watch(page) };
  }

  it('/gpu-recommend lists the catalogue with its prices and limits, searches, and shows a curl call per model', async () => {
    const { user } = await harness.newUser(100);
    await setPassword(harness.db, user.id, password);
    const { context, page, problems } = await signIn(user.email, '/gpu-recommend');
    // PROVISIONAL: the catalogue as the page's session route serves it (→ GET /v1/gpu/models once merged).
    const catalogue = await page.evaluate<{ data: CatalogueModel[] }>(
      "fetch('/api/gpu/models').then((response) => response.json())",
    );
    expect(catalogue.data.map((model) => model.slug)).toEqual(expect.arrayContaining(['sdxl', 'wan-video']));
    const cards = page.locator('article.gpu-model');
    await expect.poll(() => cards.count()).toBe(catalogue.data.length);
    for (const model of catalogue.data) {
      const card = page.locator(`article[data-model="${model.slug}"]`);
      const price = [
        ...(model.price.perCall !== undefined ? [`${creditsText(model.price.perCall)} credits / call`] : []),
        ...(model.price.perSecond !== undefined ? [`${creditsText(model.price.perSecond)} credits / s`] : []),
      ].join(' + ');
      expect(await card.locator(`[data-price]`).textContent()).toBe(price);
      expect(await card.locator('[data-max-seconds]').textContent()).toMatch(
        new RegExp(`^${model.maxSeconds} s`),
      );
      const curl = await card.locator('pre.gpu-curl').textContent();
      expect(curl).toContain(`curl -X POST ${origin}/v1/gpu/${model.slug}`);
    }
    await page.screenshot({ path: `${artifacts}gpu-recommend-desktop.png`, fullPage: true });

    await page.getByLabel('Search').fill('video');
    await expect
      .poll(() => cards.count())
      .toBe(catalogue.data.filter((model) => JSON.stringify(model).includes('video')).length);
    await page.getByLabel('Search').fill('no-such-model');
    await expect.poll(() => cards.count()).toBe(0);
    expect(await page.locator('#models-empty').isVisible()).toBe(true);

    const phone = await phoneOf(context);
    await phone.page.goto(`${origin}/gpu-recommend`);
    await expect.poll(() => phone.page.locator('article.gpu-model').count()).toBe(catalogue.data.length);
    await noHorizontalOverflow(phone.page);
    await phone.page.screenshot({ path: `${artifacts}gpu-recommend-mobile.png`, fullPage: true });
    await phone.context.close();
    expect([...problems, ...phone.problems]).toEqual([]);
    await context.close();
  }, 60_000);
});
