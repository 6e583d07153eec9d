import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, setUserRateLimit } from '../../src/accounts/index.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

describe('per-user rate limits', () => {
  let harness: Harness;
  const chat = { model: 'deepseek-v3.2', messages: [{ role: 'user' as const, content: 'hi' }] };

  beforeAll(async () => {
    harness = await startHarness({ config: { rateLimits: { defaultRpm: 50, plans: { tiny: 2 } } } });
  });
  afterAll(() => harness.close());

  it('shares one quota across all of a user’s keys, answers 429 with headers, and charges nothing for it', async () => {
    const dave = await harness.newUser(500);
    await setUserRateLimit(harness.db, dave.user.id, 3);
    harness.gateway.services.keys.invalidate();
    const secondKey = (await createApiKey(harness.db, { userId: dave.user.id, name: 'second' })).secret;
    const other = new OpenAI({ baseURL: harness.baseUrl, apiKey: secondKey, maxRetries: 0 });

    const first = await dave.client.chat.completions.create(chat).withResponse();
    expect(first.response.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.response.headers.get('x-ratelimit-remaining')).toBe('2');
    await other.chat.completions.create(chat);
    await dave.client.chat.completions.create(chat);
    const before = await harness.balancedBalance(dave.user.id);

    const response = await fetch(`${harness.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secondKey}` },
      body: JSON.stringify(chat),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('x-ratelimit-limit')).toBe('3');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);
    expect(response.headers.get('retry-after')).toBe(String(reset));
    const body = (await response.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    expect(await harness.balancedBalance(dave.user.id)).toBe(before);

    // Another user is unaffected.
    const erin = await harness.newUser(500);
    const ok = await erin.client.chat.completions.create(chat).withResponse();
    expect(ok.response.headers.get('x-ratelimit-limit')).toBe('50');
  });

  it('applies plan limits from the config', async () => {
    const frank = await harness.newUser(500);
    await harness.db.run("UPDATE users SET plan = 'tiny' WHERE id = ?", [frank.user.id]);
    harness.gateway.services.keys.invalidate();
    await frank.client.chat.completions.create(chat);
    await frank.client.chat.completions.create(chat);
    const error = await frank.client.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
