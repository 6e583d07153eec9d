import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPassword } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/dashboard/', import.meta.url));
const password = 'correct horse battery staple';

describe.skipIf(!chromiumAvailable)('dashboard /jobs in headless Chromium', () => {
  let harness: Harness;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    [harness, browser] = await Promise.all([
      startHarness({ config: { jobs: { tickMs: 20, maxPollIntervalMs: 30 } } }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('lists jobs with state, cost and output links, cancels a live one (refunded), and lists, downloads and deletes the stored output', async () => {
    const { user, key } = await harness.newUser(1000);
    await setPassword(harness.db, user.id, password);
    const create = async (prompt: string) => {
      const response = await fetch(`${harness.baseUrl}/videos/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini_omni_flash', prompt }),
      });
      return ((await response.json()) as { jobId: string }).jobId;
    };
    harness.sim.videos.setTiming({ queuedMs: 10, runningMs: 20 });
    const done = await create('a lighthouse');
    const failed = await create('a storm [[sim:video_error]]');
    const state = async (id: string) =>
      (
        (await (
          await fetch(`${harness.baseUrl}/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })
        ).json()) as {
          status: string;
        }
      ).status;
    await expect.poll(() => state(done), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => state(failed), { timeout: 10_000 }).toBe('failed');
    harness.sim.videos.setTiming({ queuedMs: 60_000, runningMs: 60_000 });
    const live = await create('a very slow sunrise');

    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${harness.gateway.url}/jobs`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${harness.gateway.url}/jobs`);
    // The signed-out session check before the redirect to /login is the one expected 401.
    expect(problems.every((problem) => problem.includes('401'))).toBe(true);
    problems.length = 0;

    const rowOf = (id: string) => page.locator(`tr[data-job="${id}"]`);
    await expect.poll(() => rowOf(done).locator('td[data-label="State"]').textContent()).toBe('Succeeded');
    expect(await rowOf(done).locator('td[data-label="Cost"]').textContent()).toBe('120');
    const href = await rowOf(done).getByRole('link', { name: 'Output 1' }).getAttribute('href');
    const mp4 = Buffer.from(await (await fetch(href!)).arrayBuffer());
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(await rowOf(failed).locator('td[data-label="State"]').textContent()).toBe('Failed');
    expect(await rowOf(failed).locator('td[data-label="Cost"]').textContent()).toBe('0');
    expect(await rowOf(live).locator('td[data-label="State"]').textContent()).toMatch(/^(Queued|Running)/);
    await page.screenshot({ path: `${artifacts}jobs-desktop.png`, fullPage: true });

    await rowOf(live).getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => rowOf(live).locator('td[data-label="State"]').textContent()).toBe('Canceled');
    expect(await rowOf(live).getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    // Filter by state.
    await page.getByLabel('State').selectOption('failed');
    await expect.poll(() => page.locator('#jobs-body tr').count()).toBe(1);
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1000 - 120));

    // Files: the succeeded job's output is stored (kind output), downloads, and can be deleted.
    const fileRows = page.locator('#files-body tr');
    await expect.poll(() => fileRows.count()).toBe(1);
    const output = fileRows.first();
    expect(await output.locator('td[data-label="Name"]').textContent()).toBe(`${done}-1.mp4`);
    expect(await output.locator('td[data-label="Kind"]').textContent()).toBe('Job output');
    expect(await output.locator('td[data-label="Size"]').textContent()).toMatch(/^\d+(\.\d)? (B|KB|MB)$/);
    const fileLink = output.getByRole('link', { name: 'Download' });
    const [download] = await Promise.all([page.waitForEvent('download'), fileLink.click()]);
    expect(download.suggestedFilename()).toBe(`${done}-1.mp4`);
    const saved = readFileSync(await download.path());
    expect(saved.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(saved.equals(mp4)).toBe(true);
    await page.getByLabel('Kind').selectOption('dataset');
    await expect.poll(() => fileRows.count()).toBe(0);
    expect(await page.locator('#files-empty').isVisible()).toBe(true);
    await page.getByLabel('Kind').selectOption('output');
    await expect.poll(() => fileRows.count()).toBe(1);
    await page.screenshot({ path: `${artifacts}jobs-files-desktop.png`, fullPage: true });

    const fileHref = (await fileLink.getAttribute('href'))!;
    await output.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this file?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await fileRows.count()).toBe(1);
    await output.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete file' }).click();
    await expect.poll(() => fileRows.count()).toBe(0);
    expect(await page.locator('#files-empty').isVisible()).toBe(true);
    expect((await fetch(fileHref)).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
