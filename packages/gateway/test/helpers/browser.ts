import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Real headless Chromium for the dashboard tests: Debian's `chromium` (apt-get install
 * chromium), or HYPEREAL_TEST_CHROMIUM. CI must have it; locally the browser tests are
 * skipped out loud when it is missing.
 */
export const chromiumPath = process.env['HYPEREAL_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(chromiumPath);
if (!chromiumAvailable && process.env['CI']) {
  throw new Error(
    `CI must provide Chromium at ${chromiumPath} (apt-get install chromium, or set HYPEREAL_TEST_CHROMIUM): the dashboard tests run in a real browser.`,
  );
}
if (!chromiumAvailable) {
  console.warn(
    `No Chromium at ${chromiumPath}: dashboard browser tests are skipped (apt-get install chromium, or set HYPEREAL_TEST_CHROMIUM).`,
  );
}

/** The machine may have no internet: these flags keep Chromium from phoning home. */
const quietFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: quietFlags });
}
