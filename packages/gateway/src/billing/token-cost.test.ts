import { describe, expect, it } from 'vitest';
import { emptyUsage } from '../contracts/index.ts';
import { tokenCost } from './token-cost.ts';

// $1.25 / $10 per million tokens, cached $0.125 → micro-credits per million tokens.
const price = { input: 125_000_000, cachedInput: 12_500_000, output: 1_000_000_000 };

describe('tokenCost', () => {
  it('prices each kind of token at its own rate and rounds up once', () => {
    expect(tokenCost(price, { ...emptyUsage, inputTokens: 1_000_000 })).toBe(125_000_000);
    expect(tokenCost(price, { ...emptyUsage, inputTokens: 1 })).toBe(125);
    expect(tokenCost(price, { ...emptyUsage, inputTokens: 3, outputTokens: 7 })).toBe(3 * 125 + 7 * 1000);
    expect(tokenCost({ input: 1, output: 1 }, { ...emptyUsage, inputTokens: 1, outputTokens: 1 })).toBe(1);
    expect(tokenCost(price, { ...emptyUsage, inputTokens: 2000, cachedInputTokens: 1024 })).toBe(
      976 * 125 + 1024 * 12.5,
    );
  });

  it('never lets details drive a count negative', () => {
    expect(tokenCost(price, { ...emptyUsage, inputTokens: 10, cachedInputTokens: 50 })).toBe(125);
    expect(tokenCost(price, { ...emptyUsage, outputTokens: 5, reasoningTokens: 500 })).toBe(5 * 1000);
    expect(tokenCost(price, { ...emptyUsage, inputTokens: -5, outputTokens: Number.NaN })).toBe(0);
  });

  it('uses the reasoning and cache-write rates when the model has them', () => {
    const priced = { input: 1_000_000, output: 2_000_000, reasoning: 3_000_000, cacheWrite: 4_000_000 };
    expect(
      tokenCost(priced, {
        ...emptyUsage,
        inputTokens: 10,
        cacheWriteTokens: 4,
        outputTokens: 10,
        reasoningTokens: 6,
      }),
    ).toBe(6 * 1 + 4 * 4 + 4 * 2 + 6 * 3);
  });

  it('stays exact far beyond 2^53 intermediate products', () => {
    const huge = { input: 3_000_000_000, output: 18_000_000_000 };
    expect(tokenCost(huge, { ...emptyUsage, inputTokens: 900_000_000, outputTokens: 900_000_000 })).toBe(
      Number((900_000_000n * 3_000_000_000n + 900_000_000n * 18_000_000_000n) / 1_000_000n),
    );
  });

  it('gives what exact BigInt arithmetic gives, on both sides of the safe-integer range', () => {
    const exact = (
      rates: { input: number; output: number; cachedInput: number; cacheWrite: number; reasoning: number },
      usage: typeof emptyUsage,
    ) => {
      const input = BigInt(usage.inputTokens);
      const cached = BigInt(Math.min(usage.cachedInputTokens, usage.inputTokens));
      const written = BigInt(Math.min(usage.cacheWriteTokens, usage.inputTokens - Number(cached)));
      const output = BigInt(usage.outputTokens);
      const reasoning = BigInt(Math.min(usage.reasoningTokens, usage.outputTokens));
      const total =
        (input - cached - written) * BigInt(rates.input) +
        cached * BigInt(rates.cachedInput) +
        written * BigInt(rates.cacheWrite) +
        (output - reasoning) * BigInt(rates.output) +
        reasoning * BigInt(rates.reasoning);
      return Number((total + 999_999n) / 1_000_000n);
    };
    // A fixed-seed generator: the same cases every run.
    let seed = 12_345;
    const next = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.floor((seed / 2_147_483_648) * below);
    };
    for (let index = 0; index < 2_000; index++) {
      // Up to ~2^54 per term at the top of the range: some cases fall back to BigInt.
      const scale = [1_000, 1_000_000, 1_000_000_000, 3_000_000_000][index % 4]!;
      const rates = {
        input: next(scale),
        output: next(scale),
        cachedInput: next(scale),
        cacheWrite: next(scale),
        reasoning: next(scale),
      };
      const usage = {
        ...emptyUsage,
        inputTokens: next(4_000_000),
        cachedInputTokens: next(4_000_000),
        cacheWriteTokens: next(1_000_000),
        outputTokens: next(2_000_000),
        reasoningTokens: next(2_000_000),
      };
      expect(tokenCost(rates, usage)).toBe(exact(rates, usage));
    }
    // A total one micro-credit past a whole credit rounds up, at the edge of the fast path.
    const edge = { input: 1_000_000_001, output: 0 };
    expect(tokenCost(edge, { ...emptyUsage, inputTokens: 9_000_000 })).toBe(9_000_000 * 1_000 + 9);
  });
});
