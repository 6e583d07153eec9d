import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { creditsToMicro } from '../../src/billing/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

const openHolds = async (harness: Harness, userId: string) =>
  Number(
    (await harness.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM holds WHERE user_id = ? AND status = 'open'",
      [userId],
    ))!.n,
  );

describe('money at the edges: non-ASCII model ids, long streams, upstreams that ignore the cap', () => {
  let harness: Harness;
  let user: TestUser;

  beforeAll(async () => {
    // A 1 s lease and a sweep every 0.5 s: a stream lasting several seconds outlives many leases.
    harness = await startHarness({ config: { billing: { holdLeaseSeconds: 1 } } });
    user = await harness.newUser(1000);
  });
  afterAll(() => harness.close());

  it('a model id in another script is answered (header percent-encoded) and billed as what it was', async () => {
    const anthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key });
    const before = await harness.balancedBalance(user.user.id);
    const { data, response } = await anthropic.messages
      .create({ model: 'claude-模型', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-hypereal-model')).toBe(encodeURIComponent('claude-模型'));
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(data.content.length).toBeGreaterThan(0);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ model: 'claude-模型', status: 200 });
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));

    const stream = anthropic.messages.stream({
      model: 'claude-模型',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('end_turn');
    const [streamed] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(streamed).toMatchObject({ model: 'claude-模型', status: 200, stream: 1 });
  });

  it('a stream that outlives its hold lease many times over is still charged and logged, never swept', async () => {
    const before = await harness.balancedBalance(user.user.id);
    harness.sim.addFault({ match: { model: 'deepseek-chat' }, chunkDelayMs: 150 });
    const stream = await user.client.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'A long one [[sim:reply_tokens=120]]' }],
      stream: true,
    });
    let chunks = 0;
    for await (const _chunk of stream) chunks++;
    expect(chunks).toBeGreaterThan(20); // ≥ 3 s at 150 ms a chunk: three leases
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ status: 200, stream: 1 });
    expect(Number(log!.cost_micro)).toBeGreaterThan(0);
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));
    expect(await openHolds(harness, user.user.id)).toBe(0);
  }, 30_000); // ~30 chunks at 150 ms: 4.5 s of stream by design

  it('an upstream that ignores max_tokens never takes a key past its cap nor the charge past the hold', async () => {
    const capped = await harness.newUser(300);
    const { secret } = await createApiKey(harness.db, {
      userId: capped.user.id,
      name: 'capped',
      spendingLimitMicro: creditsToMicro(20),
    });
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    harness.sim.addFault({
      match: { model: 'gpt-5.5' },
      ignoreMaxTokens: true,
      replyTokens: 60_000,
      times: 5,
    });
    for (let call = 0; call < 3; call++) {
      await client.chat.completions
        .create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'Write forever' }], max_tokens: 50 })
        .catch((error: unknown) => {
          expect(error).toBeInstanceOf(OpenAI.APIError);
        });
    }
    const logs = await listRequestLogs(harness.db, capped.user.id, 10);
    const spent = logs.reduce((sum, log) => sum + Number(log.cost_micro), 0);
    expect(spent).toBeLessThanOrEqual(creditsToMicro(20));
    const charged = logs.find((log) => Number(log.status) === 200)!;
    // Generated far past the cap, billed at most the hold for 50 output tokens plus the prompt.
    expect(Number(charged.completion_tokens)).toBeGreaterThan(1000);
    expect(Number(charged.cost_micro)).toBeLessThan(creditsToMicro(1));
    expect(await harness.balancedBalance(capped.user.id)).toBe(creditsToMicro(300) - spent);
    expect(await openHolds(harness, capped.user.id)).toBe(0);
  });
});
