import { type ChildProcess, spawn } from 'node:child_process';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv } from '../../src/cli/simulator-env.ts';
import { AccountClient, signedIn } from '../helpers/account-client.ts';
import { engines, tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const password = 'correct horse battery';
const adminToken = 'admin-token-for-tests-0123456789';

const admin = async (root: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${root}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
};

describe.each(engines)('credits: balance, ledger history, redeem codes (%s)', (engine) => {
  let harness: Harness;
  let root: string;

  beforeAll(async () => {
    harness = await startHarness({ engine, env: { HYPEREAL_ADMIN_TOKEN: adminToken } });
    root = harness.gateway.url;
  });
  afterAll(() => harness.close());

  it('operator creates codes (≥ 200 credits); a user redeems each once; balance is the ledger sum', async () => {
    expect((await admin(root, 'POST', '/admin/redeem-codes', { credits: 150 })).status).toBe(400);
    const issued = await admin(root, 'POST', '/admin/redeem-codes', { credits: 250, count: 3 });
    expect(issued.status).toBe(201);
    const [first, second, third] = issued.body['codes'] as string[];
    expect(first).toMatch(/^HR-[A-Z2-9]{5}(-[A-Z2-9]{5}){3}$/);

    const created = await admin(root, 'POST', '/admin/users', { email: 'topup@example.com', password });
    expect(created.status).toBe(201);
    const userId = created.body['id'] as string;
    const alice = await signedIn(root, 'topup@example.com', password);
    expect((await alice.call('GET', '/api/credits')).body).toEqual({ balance: 0, held: 0, available: 0 });

    const redeemed = await alice.call('POST', '/api/credits/redeem', { code: ` ${first!.toLowerCase()} ` });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toEqual({ credits: 250, balance: 250 });
    const again = await alice.call('POST', '/api/credits/redeem', { code: first });
    expect(again.status).toBe(404);
    expect(again.body.error?.message).toMatch(/already used/);

    // Two users racing for one code: exactly one gets it.
    await admin(root, 'POST', '/admin/users', { email: 'racer@example.com', password });
    const racer = await signedIn(root, 'racer@example.com', password);
    const race = await Promise.all([
      alice.call('POST', '/api/credits/redeem', { code: second }),
      racer.call('POST', '/api/credits/redeem', { code: second }),
    ]);
    expect(race.map((response) => response.status).sort()).toEqual([200, 404]);

    const aliceWon = race[0]!.status === 200;
    expect((await alice.call('POST', '/api/credits/redeem', { code: third })).status).toBe(200);

    // Newest first, paged with nextBefore: every redemption once, none twice.
    const redemptions = aliceWon ? 3 : 2;
    const first1 = (await alice.call('GET', '/api/credits/ledger?limit=1')).body;
    const page1 = first1['data'] as Array<{ id: string; kind: string; amount: number }>;
    expect(page1.map((entry) => [entry.kind, entry.amount])).toEqual([['redeem', 250]]);
    expect(first1['nextBefore']).toBe(page1[0]!.id);
    const rest = (await alice.call('GET', `/api/credits/ledger?limit=5&before=${first1['nextBefore']}`)).body;
    const page2 = rest['data'] as Array<{ id: string; kind: string }>;
    expect(page2).toHaveLength(redemptions - 1);
    expect(page2.every((entry) => entry.kind === 'redeem' && entry.id < page1[0]!.id)).toBe(true);
    expect(rest['nextBefore']).toBeNull();
    const balance = (await alice.call('GET', '/api/credits')).body['balance'] as number;
    expect(balance).toBe(250 * redemptions);
    expect(Math.round(balance * 1e6)).toBe(await harness.balancedBalance(userId));
  });

  it('throttles code guessing per user', async () => {
    await admin(root, 'POST', '/admin/users', { email: 'guesser@example.com', password });
    const guesser = await signedIn(root, 'guesser@example.com', password);
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(
        (await guesser.call('POST', '/api/credits/redeem', { code: `HR-GUESS-${attempt}` })).status,
      ).toBe(404);
    }
    const blocked = await guesser.call('POST', '/api/credits/redeem', { code: 'HR-GUESS-X' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });

  it("one user's balance and ledger are never another's", async () => {
    const one = await harness.newUser(321, { email: 'one@example.com', password });
    await harness.newUser(0, { email: 'two@example.com', password });
    const two = await signedIn(root, 'two@example.com', password);
    expect((await two.call('GET', '/api/credits')).body['balance']).toBe(0);
    const ledger = (await two.call('GET', '/api/credits/ledger')).body['data'] as unknown[];
    expect(ledger).toEqual([]);
    expect(JSON.stringify(await two.call('GET', '/api/credits/ledger'))).not.toContain(one.user.id);
  });
});

describe('secrets never reach the logs', () => {
  let sim: UpstreamSim;
  let gateway: ChildProcess;
  let output = '';
  let root: string;

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: ['sim-key'] });
    gateway = spawn(process.execPath, [`${import.meta.dirname}/../../src/cli/main.ts`, 'serve'], {
      cwd: tempDir(),
      env: {
        PATH: process.env['PATH'] ?? '',
        ...simulatorEnv(sim.url, 'sim-key'),
        HYPEREAL_ADMIN_TOKEN: adminToken,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer) => {
      output += chunk.toString();
    };
    gateway.stdout!.on('data', append);
    gateway.stderr!.on('data', append);
    // Generous: a cold start on a busy CI machine (2 cores, tests in parallel) can take a while.
    const deadline = Date.now() + 90_000;
    while (!/gateway on (http:\/\/\S+)/.test(output) && gateway.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = /gateway on (http:\/\/\S+)/.exec(output);
    if (!started) throw new Error(`gateway did not start (exit ${gateway.exitCode}):\n${output}`);
    root = started[1]!;
  }, 120_000);
  afterAll(async () => {
    gateway.kill('SIGTERM');
    await sim.close();
  });

  it('logs requests without keys, passwords, session cookies, CSRF tokens, redeem codes or the admin token', async () => {
    await admin(root, 'POST', '/admin/users', { email: 'quiet@example.com', password });
    await admin(root, 'POST', '/admin/users/quiet@example.com/credits', { credits: 1000 });
    const code = (
      (await admin(root, 'POST', '/admin/redeem-codes', { credits: 200 })).body['codes'] as string[]
    )[0]!;
    await new AccountClient(root).signIn('quiet@example.com', 'a wrong password guess');
    const account = await signedIn(root, 'quiet@example.com', password);
    const created = await account.call('POST', '/api/api-keys', { name: 'quiet', spendingLimit: 100 });
    const key = created.body['key'] as string;
    await account.call('POST', '/api/credits/redeem', { code });

    const client = new OpenAI({ baseURL: `${root}/v1`, apiKey: key, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await fetch(`${root}/v1/models?key=${key}`);
    await fetch(`${root}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{not json',
    });
    await fetch(`${root}/v1/models?key=ck_${'z'.repeat(30)}`);
    await account.call('GET', '/api/api-usage?days=1');
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(output).toMatch(/"url":"\/v1\/models\?key=\[redacted\]"/);
    for (const secret of [
      key,
      key.slice(10),
      password,
      'a wrong password guess',
      account.cookie!.split('=')[1]!,
      account.csrfToken!,
      code,
      adminToken,
      `ck_${'z'.repeat(30)}`,
    ]) {
      expect(output, `log contains ${secret.slice(0, 6)}…`).not.toContain(secret);
    }
  });
});
