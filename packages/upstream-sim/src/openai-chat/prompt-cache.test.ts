import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { startSimWithClient } from '../testing/sim-client.ts';
import { PromptCache } from './prompt-cache.ts';

const tokens = (count: number, offset = 0): number[] =>
  Array.from({ length: count }, (_, index) => index + offset);

describe('PromptCache', () => {
  it('caches nothing below 1024 tokens', () => {
    const cache = new PromptCache();
    expect(cache.lookupAndStore('k', tokens(1023))).toBe(0);
    expect(cache.lookupAndStore('k', tokens(1023))).toBe(0);
  });

  it('reuses the longest seen prefix in 128-token steps', () => {
    const cache = new PromptCache();
    expect(cache.lookupAndStore('k', tokens(1500))).toBe(0);
    expect(cache.lookupAndStore('k', tokens(1500))).toBe(1408);
    // Same first 1200 tokens, different tail: only the shared 128-aligned prefix hits.
    expect(cache.lookupAndStore('k', [...tokens(1200), ...tokens(800, 50_000)])).toBe(1152);
    expect(cache.lookupAndStore('other-scope', tokens(1500))).toBe(0);
  });

  it('misses when the beginning differs', () => {
    const cache = new PromptCache();
    cache.lookupAndStore('k', tokens(3000));
    expect(cache.lookupAndStore('k', [7, ...tokens(2999, 1)])).toBe(0);
  });

  it('expires entries after the ttl', async () => {
    const cache = new PromptCache({ ttlMs: 20 });
    cache.lookupAndStore('k', tokens(2048));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.lookupAndStore('k', tokens(2048))).toBe(0);
  });
});

describe('cached_tokens in responses', () => {
  let sim: UpstreamSim;
  let client: OpenAI;
  beforeAll(async () => {
    ({ sim, client } = await startSimWithClient());
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  const longSystem = 'You are a meticulous assistant. Follow the handbook carefully. '.repeat(150);

  it('reports a cached prefix for a repeated long prompt', async () => {
    const messages = [
      { role: 'system' as const, content: longSystem },
      { role: 'user' as const, content: 'First question' },
    ];
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const prompt = first.usage?.prompt_tokens ?? 0;
    expect(prompt).toBeGreaterThan(1024);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);

    const second = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(cached % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(prompt);
    expect(prompt - cached).toBeLessThan(128);

    // A different question after the same system prompt reuses the shared prefix only.
    const followUp = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [messages[0]!, { role: 'user', content: 'A different question entirely' }],
    });
    expect(followUp.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(1024);

    // Scoped per model: another model starts cold.
    const otherModel = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(otherModel.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('forgets on reset()', async () => {
    const messages = [{ role: 'user' as const, content: longSystem }];
    await client.chat.completions.create({ model: 'gpt-4o', messages });
    sim.reset();
    const after = await client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(after.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });
});
