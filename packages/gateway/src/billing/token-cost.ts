import type { TokenUsage } from '../contracts/index.ts';

/** Prices in integer micro-credits per million tokens. */
export interface TokenPrice {
  input: number;
  output: number;
  /** Cached input (prompt-cache hits); defaults to `input`. */
  cachedInput?: number | undefined;
  /** Tokens written to a prompt cache; defaults to `input`. */
  cacheWrite?: number | undefined;
  /** Hidden reasoning tokens; defaults to `output`. */
  reasoning?: number | undefined;
}

const count = (value: number): bigint => BigInt(Math.max(0, Math.floor(Number.isFinite(value) ? value : 0)));

/**
 * Exact cost in micro-credits, rounded up once at the end. Subsets are clamped to
 * their totals so an inconsistent upstream report can never drive a count negative.
 */
export function tokenCost(price: TokenPrice, usage: TokenUsage): number {
  const input = count(usage.inputTokens);
  const cached = minBig(count(usage.cachedInputTokens), input);
  const cacheWrite = minBig(count(usage.cacheWriteTokens), input - cached);
  const uncached = input - cached - cacheWrite;
  const output = count(usage.outputTokens);
  const reasoning = minBig(count(usage.reasoningTokens), output);
  const visibleOutput = output - reasoning;

  const total =
    uncached * BigInt(price.input) +
    cached * BigInt(price.cachedInput ?? price.input) +
    cacheWrite * BigInt(price.cacheWrite ?? price.input) +
    visibleOutput * BigInt(price.output) +
    reasoning * BigInt(price.reasoning ?? price.output);
  return Number((total + 999_999n) / 1_000_000n);
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
