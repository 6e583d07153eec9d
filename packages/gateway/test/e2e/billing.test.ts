import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { engines } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const waitFor = async (check: () => Promise<boolean>, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met in time');
};

describe('billing through the front door', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      config: {
        models: {
          // Round prices make the arithmetic checkable by hand: 1 credit per 1,000 tokens in, 2 out,
          // 0.1 cached, reasoning at its own 3.
          'priced-demo': {
            route: 'openai/priced-demo',
            price: { input: 10, cachedInput: 1, output: 20, reasoning: 30 },
            maxOutputTokens: 4096,
          },
        },
      },
    });
  });
  afterAll(() => harness.close());

  it('402 below the 200-credit minimum, before any upstream call, in the SDK as an APIError', async () => {
    const poor = await harness.newUser(199.99);
    const requestsBefore = harness.sim.requests.length;
    const error = await poor.client.chat.completions
      .create({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(402);
    expect((error as APIError).message).toMatch(/200 credits/);
    expect(harness.sim.requests.length).toBe(requestsBefore);
    expect(await harness.balancedBalance(poor.user.id)).toBe(199_990_000);
  });

  it('prices cached input and reasoning tokens at their own rates', async () => {
    const user = await harness.newUser(1000);
    const longContext = `${'The gateway caches repeated coding-agent context. '.repeat(200)}`;
    const ask = () =>
      user.client.chat.completions.create({
        model: 'priced-demo',
        reasoning_effort: 'high',
        messages: [
          { role: 'system', content: longContext },
          { role: 'user', content: 'Summarise.' },
        ],
      });
    await ask();
    const before = await harness.balancedBalance(user.user.id);
    const second = await ask();
    const usage = second.usage!;
    const cached = usage.prompt_tokens_details!.cached_tokens!;
    const reasoning = usage.completion_tokens_details!.reasoning_tokens!;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(reasoning).toBeGreaterThan(0);
    // micro-credits per token: input 1000, cached 100, output 2000, reasoning 3000
    const expected =
      (usage.prompt_tokens - cached) * 1000 +
      cached * 100 +
      (usage.completion_tokens - reasoning) * 2000 +
      reasoning * 3000;
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(expected);
  });

  it('bills an abandoned stream for what was generated up to the abort — not zero, not the hold', async () => {
    const user = await harness.newUser(1000);
    const before = await harness.balancedBalance(user.user.id);
    harness.sim.addFault({ match: { model: 'deepseek-chat' }, chunkDelayMs: 40 });
    const controller = new AbortController();
    const stream = await user.client.chat.completions.create(
      {
        model: 'deepseek-v3.2',
        stream: true,
        messages: [{ role: 'user', content: 'long answer [[sim:reply_tokens=400]]' }],
      },
      { signal: controller.signal },
    );
    let received = '';
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? '';
        if (++chunks === 8) controller.abort();
      }
    } catch {
      // the SDK raises on abort
    }
    await waitFor(async () => (await listRequestLogs(harness.db, user.user.id, 1)).length === 1);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ status: 499, usage_source: 'counted', error_code: 'client_closed' });
    expect(log!.completion_tokens).toBeGreaterThan(0);
    expect(log!.completion_tokens).toBeLessThan(400);
    expect(log!.prompt_tokens).toBeGreaterThan(0);
    const charged = before - (await harness.balancedBalance(user.user.id));
    expect(charged).toBe(Number(log!.cost_micro));
    expect(charged).toBeGreaterThan(0);
    // The whole 400-token answer would have cost more than what was billed.
    expect(charged).toBeLessThan(400 * 42);
    await waitFor(async () => harness.sim.requests.at(-1)!.aborted);
    expect(received.length).toBeGreaterThan(0);
  });

  it('an upstream stream cut after the first byte ends with an error event and bills only what was delivered', async () => {
    const user = await harness.newUser(1000);
    const before = await harness.balancedBalance(user.user.id);
    harness.sim.addFault({ match: { model: 'deepseek-chat' }, cutAfterChunks: 5 });
    const stream = await user.client.chat.completions.create({
      model: 'deepseek-v3.2',
      stream: true,
      messages: [{ role: 'user', content: 'will be cut [[sim:reply_tokens=200]]' }],
    });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as Error).message).toMatch(/interrupted/);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ status: 502, usage_source: 'counted' });
    expect(log!.completion_tokens).toBeLessThan(200);
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));
  });
});

describe.each(engines)('billing with no minimum balance (holds alone guard the money), on %s', (engine) => {
  let lean: Harness;

  beforeAll(async () => {
    lean = await startHarness({
      engine,
      config: {
        billing: { minimumBalanceCredits: 0 },
        models: {
          'priced-demo': {
            route: 'openai/priced-demo',
            price: { input: 10, output: 20 },
            maxOutputTokens: 4096,
          },
          'spendy-demo': {
            route: 'openai/spendy',
            price: { input: 100, output: 1000 },
            maxOutputTokens: 4096,
          },
        },
      },
    });
  });
  afterAll(() => lean.close());

  it('caps the output of a client that set no limit to what its balance affords; refuses one that insisted', async () => {
    const user = await lean.newUser(5);
    // 4096 output tokens at 2,000 micro-credits each is 8.19 credits: more than the 5 available.
    const refused = await user.client.chat.completions
      .create({ model: 'priced-demo', max_tokens: 4096, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect((refused as APIError).status).toBe(402);
    expect((refused as APIError).message).toMatch(/cover at most \d+/);

    await user.client.chat.completions.create({
      model: 'priced-demo',
      messages: [{ role: 'user', content: 'x' }],
    });
    const forwarded = lean.sim.requests.at(-1)!.body as Record<string, number>;
    expect(forwarded['max_completion_tokens']).toBeGreaterThan(2000);
    expect(forwarded['max_completion_tokens']).toBeLessThan(2500);
    expect(await lean.balancedBalance(user.user.id)).toBeGreaterThan(0);
  });

  it('concurrent requests from many keys can never spend credit that is not there', async () => {
    const user = await lean.newUser(10);
    const keys = await Promise.all(
      [1, 2, 3].map(async () => (await createApiKey(lean.db, { userId: user.user.id, name: 'k' })).secret),
    );
    // Each call holds ~3 credits (20 output tokens at 0.1 credit + its body bytes at 0.01), so only a few fit in 10.
    const calls = Array.from({ length: 30 }, (_, index) =>
      new OpenAI({ baseURL: lean.baseUrl, apiKey: keys[index % 3]!, maxRetries: 0 }).chat.completions
        .create({
          model: 'spendy-demo',
          max_tokens: 20,
          messages: [{ role: 'user', content: `call ${index}` }],
        })
        .then(
          () => 'ok' as const,
          (error: APIError) => error.status,
        ),
    );
    const results = await Promise.all(calls);
    const succeeded = results.filter((result) => result === 'ok').length;
    expect(succeeded).toBeGreaterThan(0);
    expect(succeeded).toBeLessThan(30);
    expect(results.filter((result) => result !== 'ok').every((status) => status === 402)).toBe(true);
    const balance = await lean.balancedBalance(user.user.id);
    expect(balance).toBeGreaterThanOrEqual(0);
    const logs = await listRequestLogs(lean.db, user.user.id, 100);
    const charged = logs.reduce((sum, log) => sum + Number(log.cost_micro), 0);
    expect(charged).toBe(10_000_000 - balance);
    expect(logs.filter((log) => log.status === 200)).toHaveLength(succeeded);
    expect(logs.filter((log) => log.status === 402)).toHaveLength(30 - succeeded);
  });
});
