import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserRateLimit } from '../../gateway/src/accounts/index.ts';
import {
  APIConnectionError,
  APITimeoutError,
  Hypereal,
  InternalServerError,
  RateLimitError,
} from '../src/index.ts';
import { startFlakyProxy } from './helpers/flaky-proxy.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';

const chat = { model: 'deepseek-v3.2', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('retries, timeouts and rate limits against the gateway', () => {
  let gw: SdkHarness;
  beforeAll(async () => {
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
  });
  const upstreamCalls = () =>
    gw.harness.sim.requests.filter((request) => request.path.includes('chat/completions')).length;

  it('a 5xx is retried with backoff until it succeeds; with maxRetries 0 it is an InternalServerError', async () => {
    const { sdk } = await gw.newUser(1000);
    gw.harness.sim.reset();
    gw.harness.sim.addFault({ status: 500, times: 2 });
    const started = Date.now();
    const completion = await sdk.chat.completions.create(chat);
    expect(completion.choices[0]!.message.content).toBeTruthy();
    expect(upstreamCalls()).toBe(3);
    // Two pauses of 0.5 s then 1 s, each less up to 25 % jitter.
    expect(Date.now() - started).toBeGreaterThanOrEqual(375 + 750);

    gw.harness.sim.addFault({ status: 500 });
    const failure = await sdk.chat.completions
      .create(chat, { maxRetries: 0 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InternalServerError);
    expect((failure as InternalServerError).status).toBe(502);
    expect((failure as InternalServerError).requestId).toMatch(/^req/);
  });

  it('a 429 with Retry-After is retried after the time the server asked for', async () => {
    const { sdk } = await gw.newUser(1000);
    gw.harness.sim.reset();
    gw.harness.sim.addFault({ status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await sdk.chat.completions.create(chat);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(upstreamCalls()).toBe(2);
  });

  it('the gateway’s own rate limit is a RateLimitError with the reset time and the quota', async () => {
    const { sdk, user } = await gw.newUser(1000);
    await setUserRateLimit(gw.harness.db, user.id, 1);
    await sdk.models.list();
    const limited = await sdk.models.list({ maxRetries: 0 }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitError);
    const error = limited as RateLimitError;
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', limit: 1, remaining: 0 });
    expect(error.resetAt!.getTime()).toBeGreaterThan(Date.now());
    expect(error.resetAt!.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('a call slower than its timeout is an APITimeoutError, and is retried like a connection error', async () => {
    const { sdk } = await gw.newUser(1000);
    gw.harness.sim.reset();
    gw.harness.sim.addFault({ latencyMs: 1_500 });
    const started = Date.now();
    await expect(sdk.chat.completions.create(chat, { timeout: 300, maxRetries: 0 })).rejects.toBeInstanceOf(
      APITimeoutError,
    );
    expect(Date.now() - started).toBeLessThan(1_200);
    gw.harness.sim.addFault({ latencyMs: 1_500 });
    const completion = await sdk.chat.completions.create(chat, { timeout: 1_000, maxRetries: 1 });
    expect(completion.choices).toHaveLength(1);
  });

  it('a connection reset is retried; a refused port is an APIConnectionError', async () => {
    const { key } = await gw.newUser(1000);
    const proxy = await startFlakyProxy(gw.url, ['reset', 'reset']);
    try {
      const sdk = new Hypereal({ apiKey: key, baseURL: proxy.url });
      expect((await sdk.models.list()).data.length).toBeGreaterThan(0);
      expect(proxy.connections).toBe(3);
    } finally {
      await proxy.close();
    }
    const closed = await startFlakyProxy(gw.url, []);
    const url = closed.url;
    await closed.close();
    const nowhere = new Hypereal({ apiKey: key, baseURL: url, maxRetries: 1 });
    await expect(nowhere.models.list()).rejects.toBeInstanceOf(APIConnectionError);
  });

  it('a stream body is sent once, never replayed by a retry', async () => {
    const { key } = await gw.newUser(1000);
    const proxy = await startFlakyProxy(gw.url, ['reset']);
    try {
      const sdk = new Hypereal({ apiKey: key, baseURL: proxy.url, maxRetries: 3 });
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('once'));
          controller.close();
        },
      });
      await expect(sdk.storage.uploadFile(body, { filename: 'once.txt' })).rejects.toBeInstanceOf(
        APIConnectionError,
      );
      expect(proxy.connections).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
