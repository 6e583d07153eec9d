import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance, ledgerSum } from '../../src/billing/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, simulatorKey, startHarness } from '../helpers/harness.ts';

/** A seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('chaos: many concurrent requests while upstreams flap', () => {
  let harness: Harness;
  let backup: UpstreamSim;

  beforeAll(async () => {
    backup = await startUpstreamSim({ apiKeys: [simulatorKey] });
    harness = await startHarness({
      config: {
        upstream: { firstByteTimeoutMs: 400 },
        routing: {
          backoffBaseMs: 20,
          maxRetryAfterMs: 200,
          breaker: { failureThreshold: 4, cooldownMs: 200 },
        },
        providers: { backup: { adapter: 'deepseek', baseUrl: `${backup.url}/v1`, apiKey: simulatorKey } },
        models: {
          flappy: {
            routes: ['deepseek/flap-a', 'backup/flap-b'],
            price: { input: 2, output: 8 },
            maxOutputTokens: 512,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await harness.close();
    await backup.close();
  });

  it('ends every request in a success or one clean error, and the ledger still balances', async () => {
    const seed = Number(process.env['CHAOS_SEED'] ?? Date.now() % 100_000);
    const random = seeded(seed);
    const faults = [
      { status: 500 },
      { status: 529 },
      { status: 503 },
      { status: 429, headers: { 'retry-after': '0' } },
      { dropConnection: true },
      { hang: true },
      { cutAfterChunks: 0 },
      { cutAfterChunks: 3 },
      { latencyMs: 50 },
    ];
    for (const sim of [harness.sim, backup]) {
      for (let index = 0; index < 60; index++)
        sim.addFault({ ...faults[Math.floor(random() * faults.length)]! });
    }
    const users = await Promise.all([harness.newUser(400), harness.newUser(400), harness.newUser(400)]);
    const outcomes = await Promise.all(
      Array.from({ length: 90 }, async (_, index) => {
        const { client } = users[index % users.length]!;
        const body = { model: 'flappy', messages: [{ role: 'user' as const, content: `request ${index}` }] };
        try {
          if (index % 2 === 0) {
            const completion = await client.chat.completions.create(body);
            return completion.choices[0]?.message.content ? 'ok' : 'empty';
          }
          const stream = await client.chat.completions.create({ ...body, stream: true });
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
          return text.length > 0 ? 'ok' : 'empty';
        } catch (error) {
          // One clean error: a typed API error with a status and a message, never a crash or a hang.
          if (error instanceof OpenAI.APIError && error.message.length > 0)
            return `error:${error.status ?? 'stream'}`;
          return `unclean:${String(error)}`;
        }
      }),
    );
    const summary = outcomes.reduce<Record<string, number>>((counts, outcome) => {
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      return counts;
    }, {});
    console.log(`chaos seed ${seed}:`, summary);
    expect(
      outcomes.filter((outcome) => outcome.startsWith('unclean') || outcome === 'empty'),
      `seed ${seed}`,
    ).toEqual([]);
    expect(summary['ok'] ?? 0).toBeGreaterThan(0);

    for (const { user } of users) {
      const { balanceMicro, heldMicro } = await getBalance(harness.db, user.id);
      expect(await ledgerSum(harness.db, user.id)).toBe(balanceMicro);
      expect(heldMicro).toBe(0);
      const logs = await listRequestLogs(harness.db, user.id, 100);
      expect(logs).toHaveLength(30);
      expect(logs.reduce((sum, log) => sum + Number(log.cost_micro), 0)).toBe(400_000_000 - balanceMicro);
      // Nothing is billed for a request that got no answer at all.
      expect(
        logs
          .filter((log) => log.status >= 500 && log.usage_source === null)
          .every((log) => Number(log.cost_micro) === 0),
      ).toBe(true);
    }
  }, 60_000);
});
