import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAttempts, listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, simulatorKey, startHarness, type TestUser } from '../helpers/harness.ts';

const chat = (model: string, content = 'hi') => ({ model, messages: [{ role: 'user' as const, content }] });

describe('routing: retries, failover, breakers, weights, intents', () => {
  let harness: Harness;
  let backup: UpstreamSim;
  let user: TestUser;
  let primary: UpstreamSim;

  beforeAll(async () => {
    backup = await startUpstreamSim({ apiKeys: [simulatorKey] });
    harness = await startHarness({
      config: {
        upstream: { firstByteTimeoutMs: 600 },
        routing: {
          retriesPerTarget: 1,
          backoffBaseMs: 100,
          maxRetryAfterMs: 3_000,
          breaker: { failureThreshold: 3, cooldownMs: 700 },
        },
        providers: {
          backup: { adapter: 'deepseek', baseUrl: `${backup.url}/v1`, apiKey: simulatorKey },
          dead: { adapter: 'deepseek', baseUrl: 'http://127.0.0.1:9/v1', apiKey: simulatorKey },
        },
        models: {
          chain: {
            routes: ['deepseek/primary-model', 'backup/backup-model'],
            price: { input: 1, output: 2 },
          },
          'dead-first': { routes: ['dead/x', 'backup/backup-model'], price: { input: 1, output: 2 } },
          weighted: {
            routes: [
              { provider: 'deepseek', model: 'heavy', weight: 3 },
              { provider: 'backup', model: 'light', weight: 1 },
            ],
            price: { input: 1, output: 2 },
          },
          'cheap-text': {
            route: 'deepseek/cheap-text',
            price: { input: 0.1, output: 0.1 },
            vision: false,
            intents: ['test-bucket'],
          },
          'mid-vision': {
            route: 'backup/mid-vision',
            price: { input: 0.5, output: 0.5 },
            intents: ['test-bucket'],
          },
          pricey: { route: 'deepseek/pricey', price: { input: 5, output: 5 }, intents: ['test-bucket'] },
        },
      },
    });
    primary = harness.sim;
    user = await harness.newUser(1000);
  });
  afterAll(async () => {
    await harness.close();
    await backup.close();
  });
  beforeEach(async () => {
    primary.clearFaults();
    backup.clearFaults();
    // Each test starts with every breaker past its cool-down (earlier tests' failures open some).
    await new Promise((resolve) => setTimeout(resolve, 750));
  });

  async function attemptsOf(response: Response | { headers: Headers }) {
    const requestId = response.headers.get('x-request-id')!;
    return (await listAttempts(harness.db, requestId)).map(
      (row) => `${row.provider}:${row.status ?? '-'}:${row.cause}`,
    );
  }

  it('retries a 5xx once on the same target after a backoff', async () => {
    primary.addFault({ match: { model: 'primary-model' }, status: 500 });
    const { response } = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(response.headers.get('x-hypereal-provider')).toBe('deepseek');
    expect(await attemptsOf(response)).toEqual(['deepseek:500:upstream_error', 'deepseek:200:ok']);
  });

  it('fails over to the next target when a target keeps failing (529, 503)', async () => {
    primary.addFault({ match: { model: 'primary-model' }, status: 529, times: 2 });
    const { response } = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(response.headers.get('x-hypereal-provider')).toBe('backup');
    expect(response.headers.get('x-hypereal-attempts')).toBe('3');
    expect(await attemptsOf(response)).toEqual([
      'deepseek:529:upstream_unavailable',
      'deepseek:529:upstream_unavailable',
      'backup:200:ok',
    ]);
    await harness.balancedBalance(user.user.id);
  });

  it('honours Retry-After when it is short, and moves on at once when it is long', async () => {
    primary.addFault({ match: { model: 'primary-model' }, status: 429, headers: { 'retry-after': '1' } });
    let started = performance.now();
    const short = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(short.response.headers.get('x-hypereal-provider')).toBe('deepseek');

    primary.addFault({ match: { model: 'primary-model' }, status: 429, headers: { 'retry-after': '60' } });
    started = performance.now();
    const long = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(long.response.headers.get('x-hypereal-provider')).toBe('backup');
  });

  it('moves past a refused connection and a hung upstream', async () => {
    const refused = await user.client.chat.completions.create(chat('dead-first')).withResponse();
    expect(refused.response.headers.get('x-hypereal-provider')).toBe('backup');
    expect((await attemptsOf(refused.response)).slice(0, 2)).toEqual([
      'dead:-:upstream_error',
      'dead:-:upstream_error',
    ]);

    primary.addFault({ match: { model: 'primary-model' }, hang: true, times: 2 });
    const hung = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(hung.response.headers.get('x-hypereal-provider')).toBe('backup');
    expect(await attemptsOf(hung.response)).toEqual([
      'deepseek:-:upstream_timeout',
      'deepseek:-:upstream_timeout',
      'backup:200:ok',
    ]);
  });

  it('replaces a stream cut before its first byte, bills once, and never retries a bad request', async () => {
    // A closed breaker: the tests above leave primary-model's half-open, and a probe gets no retry.
    await harness.gateway.services.health.recordSuccess('deepseek/primary-model');
    const before = await harness.balancedBalance(user.user.id);
    primary.addFault({ match: { model: 'primary-model' }, cutAfterChunks: 0 });
    const stream = await user.client.chat.completions.create({
      ...chat('chain'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const spent = before - (await harness.balancedBalance(user.user.id));
    // price 1 / 2 USD per million: 100 and 200 micro-credits per token
    expect(spent).toBe(usage!.prompt_tokens * 100 + usage!.completion_tokens * 200);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(await attemptsOf({ headers: new Headers({ 'x-request-id': log!.id }) })).toEqual([
      'deepseek:200:upstream_error',
      'deepseek:200:ok',
    ]);

    const backupCalls = backup.requests.length;
    primary.addFault({
      match: { model: 'primary-model' },
      status: 400,
      body: {
        error: { message: 'messages too long', type: 'invalid_request_error', param: null, code: null },
      },
    });
    const error = await user.client.chat.completions.create(chat('chain')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(backup.requests.length).toBe(backupCalls);
    expect(
      primary.requests.filter((request) => request.path.endsWith('/chat/completions')).at(-1),
    ).toBeDefined();
  });

  it('ends a stream cut after its first byte with an error event, no failover, billed for what arrived', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const backupCalls = backup.requests.length;
    primary.addFault({ match: { model: 'primary-model' }, cutAfterChunks: 4 });
    const stream = await user.client.chat.completions.create({
      ...chat('chain', 'long [[sim:reply_tokens=100]]'),
      stream: true,
    });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(backup.requests.length).toBe(backupCalls);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ status: 502, usage_source: 'counted' });
    expect(log!.completion_tokens).toBeLessThan(100);
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));
  });

  it('opens the breaker after repeated failures, skips the target, then probes it back in', async () => {
    primary.addFault({ match: { model: 'primary-model' }, status: 500, times: 4 });
    await user.client.chat.completions.create(chat('chain')); // 2 failures, then backup
    await user.client.chat.completions.create(chat('chain')); // third failure opens the breaker
    const metrics = await (await fetch(`${harness.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/hypereal_breaker_state\{target="deepseek\/primary-model"\} 1/);
    expect(metrics).toMatch(/hypereal_failovers_total\{model="chain"\} [1-9]/);

    const primaryCalls = primary.requests.length;
    const skipped = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(skipped.response.headers.get('x-hypereal-attempts')).toBe('1');
    expect(primary.requests.length).toBe(primaryCalls);

    primary.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const probed = await user.client.chat.completions.create(chat('chain')).withResponse();
    expect(probed.response.headers.get('x-hypereal-provider')).toBe('deepseek');
    expect(await (await fetch(`${harness.gateway.url}/metrics`)).text()).toMatch(
      /hypereal_breaker_state\{target="deepseek\/primary-model"\} 0/,
    );
  });

  it('spreads load across targets by weight', async () => {
    const counts = { deepseek: 0, backup: 0 };
    for (let index = 0; index < 120; index++) {
      const { response } = await user.client.chat.completions.create(chat('weighted')).withResponse();
      counts[response.headers.get('x-hypereal-provider') as keyof typeof counts]++;
    }
    expect(counts.deepseek + counts.backup).toBe(120);
    expect(counts.deepseek / 120).toBeGreaterThan(0.6);
    expect(counts.deepseek / 120).toBeLessThan(0.9);
  });

  it('routes an intent to the cheapest healthy model that fits, and honours a pinned model', async () => {
    const plain = await user.client.chat.completions
      .create({ intent: 'test-bucket', messages: [{ role: 'user', content: 'hi' }] } as never)
      .withResponse();
    expect(plain.response.headers.get('x-hypereal-model')).toBe('cheap-text');
    expect(plain.response.headers.get('x-hypereal-intent')).toBe('test-bucket');
    expect(primary.requests.at(-1)!.body).not.toHaveProperty('intent');

    const withImage = await user.client.chat.completions
      .create({
        intent: 'test-bucket',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
          },
        ],
      } as never)
      .withResponse();
    expect(withImage.response.headers.get('x-hypereal-model')).toBe('mid-vision');

    const pinned = await user.client.chat.completions
      .create({
        model: 'pricey',
        intent: 'test-bucket',
        messages: [{ role: 'user', content: 'hi' }],
      } as never)
      .withResponse();
    expect(pinned.response.headers.get('x-hypereal-model')).toBe('pricey');

    primary.addFault({ match: { model: 'cheap-text' }, status: 503, times: 6 });
    for (let index = 0; index < 2; index++) {
      await user.client.chat.completions
        .create({ intent: 'test-bucket', messages: [{ role: 'user', content: 'x' }] } as never)
        .catch(() => undefined);
    }
    const rerouted = await user.client.chat.completions
      .create({ intent: 'test-bucket', messages: [{ role: 'user', content: 'hi' }] } as never)
      .withResponse();
    expect(rerouted.response.headers.get('x-hypereal-model')).toBe('mid-vision');

    const unknown = await fetch(`${harness.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}` },
      body: JSON.stringify({ intent: 'telepathy', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { available_intents: string[] } };
    expect(body.error.available_intents).toEqual(
      expect.arrayContaining(['chat-fast', 'code-agent', 'test-bucket']),
    );
  });
});
