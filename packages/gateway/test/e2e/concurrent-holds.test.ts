import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { engines } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

/** `total` calls made `width` at a time; each settles to 'ok' or its HTTP status. */
async function inWaves(width: number, total: number, call: (index: number) => Promise<unknown>) {
  const results: Array<'ok' | number> = [];
  for (let start = 0; start < total; start += width) {
    const wave = Array.from({ length: Math.min(width, total - start) }, (_, offset) =>
      call(start + offset).then(
        () => 'ok' as const,
        (error: APIError) => error.status ?? 0,
      ),
    );
    results.push(...(await Promise.all(wave)));
  }
  return results;
}

/**
 * Issue #21 item 1: a hold sized from a balance read taken before concurrent holds landed was
 * refused instead of re-planned. With the hold sized by the store under its own lock, calls
 * that set no max_tokens are capped to what is left — never refused while the credit covers
 * their input and one output token — on a balance and on a key's cap alike.
 */
describe.each(engines)('concurrent holds re-plan with capped output instead of refusing, on %s', (engine) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      engine,
      config: {
        models: {
          // A worst case of ~369 credits (4,096 output tokens at 0.09): three do not fit in 1,000.
          'dear-demo': {
            route: 'openai/dear-demo',
            price: { input: 10, output: 900 },
            maxOutputTokens: 4096,
          },
        },
      },
    });
  });
  afterAll(() => harness.close());

  it('1,000 credits, 60 calls without max_tokens 3 at a time: no 402, every call charged and logged', async () => {
    const user = await harness.newUser(1000);
    const before = harness.sim.requests.length;
    const results = await inWaves(3, 60, (index) =>
      user.client.chat.completions.create({
        model: 'dear-demo',
        messages: [{ role: 'user', content: `question ${index} [[sim:reply_tokens=10]]` }],
      }),
    );
    expect(results.filter((result) => result !== 'ok')).toEqual([]);
    // Three worst cases do not fit in 1,000 credits at once: some calls went out capped.
    const forwarded = harness.sim.requests
      .slice(before)
      .map((request) => request.body as Record<string, unknown>);
    expect(forwarded).toHaveLength(60);
    expect(forwarded.some((body) => typeof body['max_completion_tokens'] === 'number')).toBe(true);
    const balance = await harness.balancedBalance(user.user.id);
    const logs = await listRequestLogs(harness.db, user.user.id, 100);
    expect(logs).toHaveLength(60);
    expect(logs.every((log) => log.status === 200)).toBe(true);
    const charged = logs.reduce((sum, log) => sum + Number(log.cost_micro), 0);
    expect(charged).toBe(creditsToMicro(1000) - balance);
  });

  it('a key capped at 900 credits (two worst cases and a capped third), 30 calls 3 at a time: capped output, no 403 while the cap covers them', async () => {
    const user = await harness.newUser(100_000);
    const { secret } = await createApiKey(harness.db, {
      userId: user.user.id,
      name: 'capped',
      spendingLimitMicro: creditsToMicro(900),
    });
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    const before = harness.sim.requests.length;
    const results = await inWaves(3, 30, (index) =>
      client.chat.completions.create({
        model: 'dear-demo',
        messages: [{ role: 'user', content: `question ${index} [[sim:reply_tokens=10]]` }],
      }),
    );
    expect(results.filter((result) => result !== 'ok')).toEqual([]);
    const forwarded = harness.sim.requests
      .slice(before)
      .map((request) => request.body as Record<string, unknown>);
    expect(forwarded.some((body) => typeof body['max_completion_tokens'] === 'number')).toBe(true);
    const balance = await harness.balancedBalance(user.user.id);
    const logs = await listRequestLogs(harness.db, user.user.id, 100);
    expect(logs).toHaveLength(30);
    const charged = logs.reduce((sum, log) => sum + Number(log.cost_micro), 0);
    expect(charged).toBe(creditsToMicro(100_000) - balance);
    expect(charged).toBeLessThanOrEqual(creditsToMicro(900));
  });
});
