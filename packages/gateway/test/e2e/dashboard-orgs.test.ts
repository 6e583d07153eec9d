import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/index.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const password = 'correct horse battery staple';

/** Console errors, uncaught exceptions and CSP violations on a page. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The invitation link in a quoted-printable mail body (RFC 2045 §6.7). */
function linkIn(raw: string): string {
  const body = raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return /(http:\/\/\S+\/settings\/organization\?invite=\S+)/.exec(body)![1]!;
}

describe.skipIf(!chromiumAvailable)('organization settings in headless Chromium', () => {
  let harness: Harness;
  let smtp: SmtpSink;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    [harness, browser] = await Promise.all([
      startHarness({ env: { SMTP_URL: smtp.url, HYPEREAL_MAIL_FROM: 'Hypereal <team@hypereal.test>' } }),
      launchBrowser(),
    ]);
    await harness.newUser(0, { email: 'newcomer@acme.test', password });
    await harness.newUser(0, { email: 'teammate@acme.test', password });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await smtp?.close();
  });

  it('a newcomer creates an org, invites a teammate by mail, makes them Developer and sees it in the audit log', async () => {
    const origin = harness.gateway.url;
    const owner = await (await browser.newContext()).newPage();
    const ownerProblems = watch(owner);
    await owner.goto(`${origin}/settings/organization`);
    await owner.waitForURL(`${origin}/login?next=%2Fsettings%2Forganization`);
    await signIn(owner, 'newcomer@acme.test');
    await owner.waitForURL(`${origin}/settings/organization`);
    ownerProblems.length = 0; // the signed-out session check's 401 that sent us to /login

    await owner.getByLabel('Organization name').fill('Acme Inc');
    await owner.getByRole('button', { name: 'Create organization' }).click();
    await expect.poll(() => owner.locator('#org-title').textContent()).toBe('Acme Inc');
    await expect.poll(() => owner.locator('#org-subtitle').textContent()).toContain('You are Owner');
    // The top bar's switcher now offers the org.
    await expect
      .poll(() => owner.locator('#org-switcher option').allTextContents())
      .toEqual(['Personal', 'Acme Inc']);

    const inviteForm = owner.locator('#invite-form');
    await inviteForm.getByLabel('Email').fill('teammate@acme.test');
    await inviteForm.getByLabel('Role').selectOption('viewer');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await expect
      .poll(() => owner.locator('#invite-form-result').textContent())
      .toBe('Invitation sent to teammate@acme.test.');
    await expect.poll(() => owner.locator('#pending-list').textContent()).toContain('teammate@acme.test');

    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual(['teammate@acme.test']);
    const link = linkIn(mail!.raw);
    expect(link.startsWith(`${origin}/settings/organization?invite=`)).toBe(true);

    // The teammate follows the link, signs in, and accepts.
    const teammate = await (await browser.newContext()).newPage();
    const teammateProblems = watch(teammate);
    await teammate.goto(link);
    await teammate.waitForURL(/\/login\?next=/);
    await signIn(teammate, 'teammate@acme.test');
    await teammate.waitForURL(/\/settings\/organization\?invite=/);
    teammateProblems.length = 0;
    await teammate.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => teammate.locator('#org-title').textContent()).toBe('Acme Inc');
    await expect.poll(() => teammate.locator('#org-subtitle').textContent()).toContain('You are Viewer');

    // The owner gives them Developer.
    await owner.reload();
    const role = owner.getByLabel('Role of teammate@acme.test');
    await expect.poll(() => role.inputValue()).toBe('viewer');
    await role.selectOption('developer');
    await expect
      .poll(() => owner.locator('#members-result').textContent())
      .toBe('teammate@acme.test is now Developer.');

    // …and the audit log shows who did what, newest first.
    const actions = owner.locator('#audit-body tr td:nth-child(3)');
    await expect
      .poll(() => actions.allTextContents())
      .toEqual(['member.role_changed', 'member.joined', 'member.invited', 'org.created']);
    const newest = owner.locator('#audit-body tr').first();
    expect(await newest.locator('td').nth(1).textContent()).toBe('newcomer@acme.test');
    expect(await newest.locator('td').nth(3).textContent()).toBe('{"role":"viewer"} → {"role":"developer"}');

    // A developer cannot see the audit log; the page hides it.
    await teammate.reload();
    await expect.poll(() => teammate.locator('#org-subtitle').textContent()).toContain('You are Developer');
    expect(await teammate.locator('#audit-section').isHidden()).toBe(true);

    expect(ownerProblems).toEqual([]);
    expect(teammateProblems).toEqual([]);
    expect(await verifyAuditChain(harness.db)).toMatchObject({ ok: true, rows: 4 });
  }, 60_000);
});
