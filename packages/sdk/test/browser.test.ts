import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser } from '../../gateway/test/helpers/browser.ts';
import { buildPackage } from './helpers/build-package.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';

interface BrowserOutcome {
  reply: string | null | undefined;
  chunks: number;
  aborted: string;
  uploaded: string;
  keys: number;
  created: string;
  unauthorized: string;
}

/**
 * The built package, bundled for the browser, in real Chromium on the gateway's origin: key
 * calls (chat, a stream and its abort, a Blob upload and download) and the dashboard's way in —
 * a session the browser keeps as a cookie, with the CSRF token on changes.
 */
describe.skipIf(!chromiumAvailable)('hypereal-sdk in a browser', () => {
  let gw: SdkHarness;
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    const built = await buildPackage();
    const output = await build({
      entryPoints: [join(built.dir, 'dist/index.js')],
      bundle: true,
      format: 'iife',
      globalName: 'HyperealSDK',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    bundle = output.outputFiles[0]!.text;
    [gw, browser] = await Promise.all([startSdkHarness(), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('calls the gateway with a key and with the browser’s session cookie', async () => {
    const email = `browser-${Date.now()}@example.com`;
    const password = 'a long passphrase';
    const { key } = await gw.newUser(1000, { email, password });
    const page = await browser.newPage();
    await page.goto(`${gw.url}/health`);
    await page.addScriptTag({ content: bundle });
    const outcome = await page.evaluate(
      async ({ key, email, password, origin }): Promise<BrowserOutcome> => {
        type Sdk = typeof import('../src/index.ts');
        const { Hypereal, APIError } = (globalThis as unknown as { HyperealSDK: Sdk }).HyperealSDK;
        const client = new Hypereal({ apiKey: key, baseURL: origin });
        const messages = [{ role: 'user' as const, content: 'hi' }];
        const completion = await client.chat.completions.create({ model: 'deepseek-v3.2', messages });
        const chunks = await client.chat.completions.stream({ model: 'deepseek-v3.2', messages }).toArray();
        const stream = client.chat.completions.stream({ model: 'deepseek-v3.2', messages });
        let aborted = 'no';
        try {
          for await (const _chunk of stream) stream.abort();
        } catch (error) {
          aborted = (error as Error).name;
        }
        const file = await client.storage.uploadFile(new Blob(['from the browser'], { type: 'text/plain' }), {
          filename: 'browser.txt',
        });
        const uploaded = await (await client.storage.download(file.id)).text();

        const dashboard = new Hypereal({ baseURL: origin });
        await dashboard.auth.login({ email, password });
        const keys = (await dashboard.keys.list()).length;
        const created = (await dashboard.keys.create({ name: 'made in a browser' })).key;
        await dashboard.auth.logout();
        const unauthorized = await dashboard.keys.list().then(
          () => 'listed',
          (error: unknown) => (error instanceof APIError ? String(error.status) : 'other'),
        );
        return {
          reply: completion.choices[0]?.message.content,
          chunks: chunks.length,
          aborted,
          uploaded,
          keys,
          created,
          unauthorized,
        };
      },
      { key, email, password, origin: gw.url },
    );
    expect(outcome.reply).toBeTruthy();
    expect(outcome.chunks).toBeGreaterThan(1);
    expect(outcome.aborted).toBe('APIUserAbortError');
    expect(outcome.uploaded).toBe('from the browser');
    expect(outcome.keys).toBe(1);
    expect(outcome.created).toMatch(/^ck_/);
    expect(outcome.unauthorized).toBe('401');
  });
});
