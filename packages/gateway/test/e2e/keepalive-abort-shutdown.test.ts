import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserRateLimit } from '../../src/accounts/index.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// The gateway's shutdown waited its whole grace period (10 s by default) when a client pool had
// a connection open with no request on it: after a keep-alive socket served a 429 from the
// admission hook and another call was aborted, undici opens a spare socket that Node's
// closeIdleConnections() treats as busy (it is waiting for its first request's headers).
describe('shutdown with a client pool that saw an admission error and an aborted call', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close().catch(() => undefined);
  });

  it('close() returns at once, not after the grace period', async () => {
    const limited = await harness.newUser(1000);
    const user = await harness.newUser(1000);
    await setUserRateLimit(harness.db, limited.user.id, 1);
    const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
    for (const expected of [200, 429]) {
      const response = await fetch(`${harness.gateway.url}/v1/models`, { headers: headers(limited.key) });
      expect(response.status).toBe(expected);
      await response.text();
    }
    harness.sim.addFault({ latencyMs: 1_000 });
    const controller = new AbortController();
    const call = fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headers(user.key),
      body: JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal,
    });
    await sleep(300);
    controller.abort();
    await expect(call).rejects.toThrow();
    await sleep(1_000);
    const started = Date.now();
    await harness.close();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
