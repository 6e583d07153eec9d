import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startWorker } from '@hypereal/gpu-worker';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPassword } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { gpuSimOptions, selfHostedConfig, simWorker } from '../helpers/gpu.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/dashboard/', import.meta.url));
const password = 'correct horse battery staple';
const adminToken = 'dashboard-gpu-admin-token-0123456789';

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

/** What the dashboard prints for a duration (ui.js `duration`). */
const durationText = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);

interface Tier {
  id: string;
  name: string;
  memoryGb: number;
  pricePerSecondCredits: number;
}

interface CatalogueModel {
  slug: string;
  name: string;
  inputSchema: { properties?: Record<string, unknown>; required?: string[] };
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
    [harness, browser] = await Promise.all([
      startHarness({
        config: { jobs: { tickMs: 20, maxPollIntervalMs: 50 }, ...selfHostedConfig },
        env: { HYPEREAL_ADMIN_TOKEN: adminToken },
        sim: gpuSimOptions,
      }),
      launchBrowser(),
    ]);
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

  it('serves the GPU pages with the dashboard security headers and no inline script or style', async () => {
    for (const path of ['/gpu-recommend', '/infra/deployments', '/infra/deployments/new']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      expect(html).not.toMatch(/<script>|\son[a-z]+=|style=/i);
      // Both pages are in the top bar of every page.
      expect(html).toContain('<a href="/gpu-recommend">GPU models</a>');
      expect(html).toContain('<a href="/infra/deployments">Deployments</a>');
    }
    for (const path of ['/api/gpu/models', '/api/deployments']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status, `${path} without a session`).toBe(401);
      await response.arrayBuffer();
    }
  });

  it('/gpu-recommend lists the catalogue with its prices and limits, searches, and shows a curl call per model', async () => {
    const { user, key } = await harness.newUser(100);
    await setPassword(harness.db, user.id, password);
    // What a client of the public API sees: the page must show the same prices and limits.
    const get = async <T>(path: string) =>
      (await (
        await fetch(`${harness.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as T;
    const catalogue = await get<{ data: CatalogueModel[] }>('/gpu/models');
    const tiers = await get<{ data: Tier[] }>('/gpu/tiers');
    expect(catalogue.data.map((model) => model.slug)).toEqual(expect.arrayContaining(['sdxl', 'wan-video']));
    expect(tiers.data.length).toBeGreaterThan(0);

    const { context, page, problems } = await signIn(user.email, '/gpu-recommend');
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
      expect(await card.locator('h3').textContent()).toContain(model.name);
      const fields = await Promise.all(
        (await card.locator('[data-field]').all()).map((item) => item.getAttribute('data-field')),
      );
      expect(fields.sort()).toEqual(Object.keys(model.inputSchema.properties ?? {}).sort());
      const curl = await card.locator('pre.gpu-curl').textContent();
      expect(curl).toContain(`curl -X POST ${origin}/v1/gpu/${model.slug}`);
      // The example body holds every required field.
      const body = JSON.parse(/-d '(.*)'$/s.exec(curl ?? '')?.[1] ?? '{}') as {
        input: Record<string, unknown>;
      };
      expect(Object.keys(body.input)).toEqual(expect.arrayContaining(model.inputSchema.required ?? []));
    }
    for (const tier of tiers.data) {
      const row = page.locator(`tr[data-tier="${tier.id}"]`);
      expect(await row.locator('td[data-label="Memory"]').textContent()).toBe(`${tier.memoryGb} GB`);
      expect(await row.locator('td[data-label="Credits / s"]').textContent()).toBe(
        `${creditsText(tier.pricePerSecondCredits)} credits / s`,
      );
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
  it('creates a deployment through the form, sees it provisioned, edits it, lists a job it ran with its cost, deletes it; another user sees none of it', async () => {
    const { user, key } = await harness.newUser(1000);
    await setPassword(harness.db, user.id, password);
    const stranger = await harness.newUser(100);
    await setPassword(harness.db, stranger.user.id, password);
    const api = (path: string, init: RequestInit = {}, bearer = key) =>
      fetch(`${harness.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      });
    const tiers = ((await (await api('/gpu/tiers')).json()) as { data: Tier[] }).data;
    const [first, second] = tiers;
    const image = `hypereal/test-render:${Date.now()}`;
    // RunPod starts the image's workers once the endpoint exists; here the shipped worker is
    // already running that image, waiting for an endpoint to serve.
    const worker = await simWorker(harness, { image });
    try {
      const { context, page, problems } = await signIn(user.email, '/infra/deployments');
      await expect.poll(() => page.locator('#deployments-empty').isVisible()).toBe(true);

      // Create through the form.
      await page.getByRole('link', { name: 'New deployment' }).click();
      await page.waitForURL(`${origin}/infra/deployments/new`);
      await expect.poll(() => page.locator('input[name="gpuTypes"]').count()).toBe(tiers.length);
      // RunPod is configured (the simulator), so new deployments default to it; with the
      // self-hosted pool too, the form offers the choice.
      const backends = await page.evaluate<{ data: { id: string; default: boolean }[] }>(
        "fetch('/api/gpu/backends').then((response) => response.json())",
      );
      expect(backends.data).toContainEqual({ id: 'runpod', kind: 'runpod', default: true });
      expect(await page.getByLabel('Runs on').isVisible()).toBe(backends.data.length > 1);
      expect(await page.getByLabel('Runs on').inputValue()).toBe('runpod');
      await page.getByLabel('Slug').fill('My Render');
      await page.getByLabel('Name', { exact: true }).fill('My render');
      await page.getByLabel('Docker image').fill(image);
      await page.getByLabel(new RegExp(`^${second!.id} `)).check();
      await page.getByLabel('Max workers').fill('2');
      await page.getByLabel('Job limit').fill('60');
      await page.getByRole('button', { name: 'Add variable' }).click();
      await page.getByLabel('Variable 1 name').fill('HF_TOKEN');
      await page.getByLabel('Variable 1 value').fill('hf_secret_value');
      await page.screenshot({ path: `${artifacts}deployment-new-desktop.png`, fullPage: true });
      await page.getByRole('button', { name: 'Create deployment' }).click();
      // A slug with capitals and a space is refused before anything is sent.
      await expect.poll(() => page.locator('#create-error').textContent()).toContain('The slug is');
      await page.getByLabel('Slug').fill('my-render');
      await page.getByRole('button', { name: 'Create deployment' }).click();
      await page.waitForURL(`${origin}/infra/deployments`);

      const row = page.locator('tr[data-deployment="my-render"]');
      expect(await row.locator('th').textContent()).toBe('my-renderMy render');
      expect(await row.locator('td[data-label="Image"] code').textContent()).toBe(image);
      expect(await row.locator('[data-backend]').textContent()).toBe('on runpod');
      expect(await row.locator('td[data-label="GPU tiers"]').textContent()).toBe(
        `${first!.id}, ${second!.id}`,
      );
      expect(await row.locator('[data-workers-range]').textContent()).toBe('0–2 workers');
      // Held and billed at the dearest of its tiers.
      const rate = Math.max(first!.pricePerSecondCredits, second!.pricePerSecondCredits);
      expect(await row.locator('td[data-label="Price"]').textContent()).toBe(
        `${creditsText(rate)} credits / s`,
      );
      // Provisioned at RunPod (the simulator): its worker came up, the page shows it ready.
      await expect.poll(() => row.locator('.badge').textContent(), { timeout: 10_000 }).toBe('Ready');
      expect(await row.locator('[data-workers]').textContent()).toBe('1 idle · 0 running · 0 starting');
      const created = (await (await api('/deployments/my-render')).json()) as {
        backend: string;
        endpointId: string;
        envKeys: string[];
        gpuTypes: string;
        maxSeconds: number;
      };
      expect(created).toMatchObject({
        backend: 'runpod',
        envKeys: ['HF_TOKEN'],
        gpuTypes: `${first!.id},${second!.id}`,
        maxSeconds: 60,
      });
      const endpoint = harness.sim.runpod.registry.endpoints.get(created.endpointId)!;
      expect(harness.sim.runpod.registry.imageOf(endpoint)).toBe(image);
      expect(harness.sim.runpod.registry.envOf(endpoint)).toEqual({ HF_TOKEN: 'hf_secret_value' });
      expect(endpoint.workers.max).toBe(2);
      await page.screenshot({ path: `${artifacts}deployments-desktop.png`, fullPage: true });

      // Edit: scaling and idle timeout reach RunPod.
      await page.getByRole('button', { name: 'Edit my-render' }).click();
      const editDialog = page.getByRole('dialog', { name: 'Edit deployment' });
      await editDialog.getByLabel('Max workers').fill('3');
      await editDialog.getByLabel('Idle timeout').fill('20');
      await editDialog.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => row.locator('[data-workers-range]').textContent()).toBe('0–3 workers');
      expect(await row.locator('[data-idle-timeout]').textContent()).toBe('idle timeout 20 s');
      expect(harness.sim.runpod.registry.endpoints.get(created.endpointId)?.workers).toMatchObject({
        max: 3,
        idleTimeout: 20,
      });

      // The same slug again: the gateway's refusal is shown on the form, nothing is provisioned.
      const endpointsBefore = harness.sim.runpod.registry.endpoints.size;
      await page.getByRole('link', { name: 'New deployment' }).click();
      await page.waitForURL(`${origin}/infra/deployments/new`);
      await expect.poll(() => page.locator('input[name="gpuTypes"]').count()).toBe(tiers.length);
      await page.getByLabel('Slug').fill('my-render');
      await page.getByLabel('Name', { exact: true }).fill('Again');
      await page.getByLabel('Docker image').fill(image);
      await page.getByRole('button', { name: 'Create deployment' }).click();
      await expect
        .poll(() => page.locator('#create-error').textContent())
        .toBe('You already have a deployment named my-render.');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('dep-slug');
      expect(harness.sim.runpod.registry.endpoints.size).toBe(endpointsBefore);

      // A ComfyUI deployment with its workflow pasted in: checked here, then by the gateway.
      await page.getByLabel('Slug').fill('my-comfy');
      await page.getByLabel('Docker image').fill('runpod/worker-comfyui:5.5.0-base');
      const workflowField = page.getByLabel(/^ComfyUI workflow/);
      await workflowField.fill('{"3": ');
      await page.getByRole('button', { name: 'Create deployment' }).click();
      await expect
        .poll(() => page.locator('#create-error').textContent())
        .toContain('The workflow is not a JSON object');
      await workflowField.fill('{"3": {"inputs": {}}}');
      await page.getByRole('button', { name: 'Create deployment' }).click();
      await expect
        .poll(() => page.locator('#create-error').textContent())
        .toBe('workflow.3 must be a node with a class_type and inputs.');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('dep-workflow');
      const graph = {
        '3': {
          class_type: 'KSampler',
          inputs: { seed: 1, steps: 20, positive: ['6', 0] },
          _meta: { title: 'Sampler' },
        },
        '6': {
          class_type: 'CLIPTextEncode',
          inputs: { text: 'a cat', clip: ['4', 1] },
          _meta: { title: 'Positive' },
        },
      };
      await workflowField.fill(JSON.stringify(graph, null, 2));
      await page.getByRole('button', { name: 'Create deployment' }).click();
      await page.waitForURL(`${origin}/infra/deployments`);
      await expect
        .poll(() => page.locator('tr[data-deployment="my-comfy"] th').textContent())
        .toBe('my-comfyAgainComfyUI workflow stored');
      const comfy = (await (await api('/deployments/my-comfy')).json()) as { workflow: unknown };
      expect(comfy.workflow).toEqual(graph);
      expect((await api('/deployments/my-comfy', { method: 'DELETE' })).status).toBe(200);

      // A state change without the session's CSRF token is refused.
      const forged = await page.evaluate<number>(
        "fetch('/api/deployments/my-render', { method: 'DELETE' }).then((response) => response.status)",
      );
      expect(forged).toBe(403);
      problems.length = 0; // the refusals above log as failed requests

      // A job it ran, with its execution time and what it was charged.
      const run = (await (
        await api('/gpu/run/my-render', {
          method: 'POST',
          body: JSON.stringify({ input: { prompt: 'a lighthouse' } }),
        })
      ).json()) as { job_id: string; status: string };
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'queued' });
      // The page follows the live job to its end by itself (GET /v1/gpu/jobs is not polled here).
      await page.getByRole('button', { name: 'Jobs my-render' }).click();
      const jobRow = page.locator(`tr[data-job="${run.job_id}"]`);
      await expect
        .poll(() => jobRow.locator('td[data-label="Status"]').textContent(), { timeout: 15_000 })
        .toBe('Succeeded');
      interface DeploymentJob {
        status: string;
        executionMs: number;
        creditsCharged: number;
      }
      const done = (await (await api(`/gpu/jobs/${run.job_id}`)).json()) as DeploymentJob;
      expect(done.status).toBe('succeeded');
      expect(done.executionMs).toBeGreaterThan(0);
      expect(done.creditsCharged).toBeGreaterThan(0);
      expect(await jobRow.locator('td[data-label="Execution"]').textContent()).toBe(
        durationText(done.executionMs),
      );
      expect(await jobRow.locator('td[data-label="Credits charged"]').textContent()).toBe(
        creditsText(done.creditsCharged),
      );
      // Its output: the PNG the worker rendered, stored by the gateway, behind a signed link.
      const href = await jobRow.getByRole('link', { name: 'Image 1' }).getAttribute('href');
      const png = Buffer.from(await (await fetch(href!)).arrayBuffer());
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(await harness.balancedBalance(user.id)).toBe(
        creditsToMicro(1000) - creditsToMicro(done.creditsCharged),
      );
      await page.screenshot({ path: `${artifacts}deployments-jobs-desktop.png`, fullPage: true });

      // The same on a phone: nothing wider than the screen.
      const phone = await phoneOf(context);
      for (const path of ['/infra/deployments', '/infra/deployments/new']) {
        await phone.page.goto(`${origin}${path}`);
        await expect.poll(() => phone.page.locator('#nav-balance').textContent()).toMatch(/credits$/);
        await phone.page.waitForLoadState('networkidle');
        if (path === '/infra/deployments') {
          await phone.page.getByRole('button', { name: 'Jobs my-render' }).click();
          await expect.poll(() => phone.page.locator(`tr[data-job="${run.job_id}"]`).count()).toBe(1);
        }
        await noHorizontalOverflow(phone.page);
        await phone.page.screenshot({
          path: `${artifacts}${path.slice(1).replaceAll('/', '-')}-mobile.png`,
          fullPage: true,
        });
      }
      await phone.context.close();

      // Another user sees none of it: not on the page, not through the API.
      const other = await signIn(stranger.user.email, '/infra/deployments');
      await expect.poll(() => other.page.locator('#deployments-empty').isVisible()).toBe(true);
      expect(await other.page.locator('tr[data-deployment]').count()).toBe(0);
      const peek = await other.page.evaluate<number>(
        "fetch('/api/deployments/my-render/jobs').then((response) => response.status)",
      );
      expect(peek).toBe(404);
      expect((await api('/deployments/my-render', {}, stranger.key)).status).toBe(404);
      expect((await api(`/gpu/jobs/${run.job_id}`, {}, stranger.key)).status).toBe(404);
      expect(other.problems.filter((problem) => !problem.includes('404'))).toEqual([]);
      await other.context.close();

      // Delete, after a confirmation: gone here and at RunPod.
      await page.getByRole('button', { name: 'Delete my-render' }).click();
      const deleteDialog = page.getByRole('dialog', { name: 'Delete this deployment?' });
      await deleteDialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await row.count()).toBe(1);
      await page.getByRole('button', { name: 'Delete my-render' }).click();
      await deleteDialog.getByRole('button', { name: 'Delete deployment' }).click();
      await expect.poll(() => row.count()).toBe(0);
      expect(await page.locator('#deployments-empty').isVisible()).toBe(true);
      expect(await page.locator('#jobs-card').isVisible()).toBe(false);
      expect((await api('/deployments/my-render')).status).toBe(404);
      expect(harness.sim.runpod.registry.endpoints.has(created.endpointId)).toBe(false);
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await worker.stop();
    }
  }, 90_000);
  it('runs a deployment on the self-hosted pool when the form says so', async () => {
    const { user, key } = await harness.newUser(500);
    await setPassword(harness.db, user.id, password);
    const image = `hypereal/pool-render:${Date.now()}`;
    // The operator's own GPU box: a worker token from the admin API, the shipped worker serving the image.
    const issued = await fetch(`${origin}/admin/gpu-workers/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dashboard-box' }),
    });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    const box = await startWorker({
      gateway: { url: origin, token, serve: [], image },
      pollIntervalMs: 20,
      shutdownGraceMs: 2_000,
      log: () => undefined,
    });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${harness.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      });
    try {
      const { context, page, problems } = await signIn(user.email, '/infra/deployments/new');
      const runsOn = page.getByLabel('Runs on');
      await expect.poll(() => runsOn.isVisible()).toBe(true);
      await runsOn.selectOption('workers');
      await page.getByLabel('Slug').fill('pool-render');
      await page.getByLabel('Name', { exact: true }).fill('On my own GPUs');
      await page.getByLabel('Docker image').fill(image);
      await page.getByRole('button', { name: 'Create deployment' }).click();
      await page.waitForURL(`${origin}/infra/deployments`);
      const row = page.locator('tr[data-deployment="pool-render"]');
      await expect.poll(() => row.locator('.badge').textContent(), { timeout: 10_000 }).toBe('Ready');
      expect(await row.locator('[data-backend]').textContent()).toBe('on workers');
      const deployment = (await (await api('/deployments/pool-render')).json()) as { backend: string };
      expect(deployment.backend).toBe('workers');

      const run = (await (
        await api('/gpu/run/pool-render', {
          method: 'POST',
          body: JSON.stringify({ input: { prompt: 'a harbour at dusk' } }),
        })
      ).json()) as { job_id: string };
      await page.getByRole('button', { name: 'Jobs pool-render' }).click();
      const jobRow = page.locator(`tr[data-job="${run.job_id}"]`);
      await expect
        .poll(() => jobRow.locator('td[data-label="Status"]').textContent(), { timeout: 15_000 })
        .toBe('Succeeded');
      const done = (await (await api(`/gpu/jobs/${run.job_id}`)).json()) as {
        executionMs: number;
        creditsCharged: number;
      };
      expect(done.creditsCharged).toBeGreaterThan(0);
      expect(await jobRow.locator('td[data-label="Execution"]').textContent()).toBe(
        durationText(done.executionMs),
      );
      expect(await jobRow.locator('td[data-label="Credits charged"]').textContent()).toBe(
        creditsText(done.creditsCharged),
      );
      expect(await harness.balancedBalance(user.id)).toBe(
        creditsToMicro(500) - creditsToMicro(done.creditsCharged),
      );
      await page.screenshot({ path: `${artifacts}deployments-pool-desktop.png`, fullPage: true });

      await page.getByRole('button', { name: 'Delete pool-render' }).click();
      await page
        .getByRole('dialog', { name: 'Delete this deployment?' })
        .getByRole('button', { name: 'Delete deployment' })
        .click();
      await expect.poll(() => row.count()).toBe(0);
      expect((await api('/deployments/pool-render')).status).toBe(404);
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      box.kill();
      await box.finished;
    }
  }, 60_000);
});
