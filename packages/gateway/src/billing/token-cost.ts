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

const whole = (value: number): number => Math.max(0, Math.floor(Number.isFinite(value) ? value : 0));
const count = (value: number): bigint => BigInt(whole(value));
const isRate = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

/**
 * Exact cost in micro-credits, rounded up once at the end. Subsets are clamped to
 * their totals so an inconsistent upstream report can never drive a count negative.
 */
export function tokenCost(price: TokenPrice, usage: TokenUsage): number {
  return smallTokenCost(price, usage) ?? bigTokenCost(price, usage);
}

/**
 * `tokenCost` in plain numbers, or undefined when a product or the sum could leave the safe
 * integer range (then BigInt does it): every step below is exact integer arithmetic, and the
 * division rounds up through the remainder, which a double computes exactly.
 * https://tc39.es/ecma262/#sec-number.issafeinteger
 */
function smallTokenCost(price: TokenPrice, usage: TokenUsage): number | undefined {
  const cachedRate = price.cachedInput ?? price.input;
  const writeRate = price.cacheWrite ?? price.input;
  const reasoningRate = price.reasoning ?? price.output;
  const rate = Math.max(price.input, price.output, cachedRate, writeRate, reasoningRate);
  // Whole, non-negative rates only (anything else takes the BigInt path, as before).
  if (
    !(
      isRate(price.input) &&
      isRate(price.output) &&
      isRate(cachedRate) &&
      isRate(writeRate) &&
      isRate(reasoningRate)
    )
  )
    return undefined;
  const input = whole(usage.inputTokens);
  const output = whole(usage.outputTokens);
  // Each term is at most its count × the largest rate: bounding that bounds the sum.
  if ((input + output) * rate > Number.MAX_SAFE_INTEGER) return undefined;
  const cached = Math.min(whole(usage.cachedInputTokens), input);
  const cacheWrite = Math.min(whole(usage.cacheWriteTokens), input - cached);
  const reasoning = Math.min(whole(usage.reasoningTokens), output);
  const total =
    (input - cached - cacheWrite) * price.input +
    cached * cachedRate +
    cacheWrite * writeRate +
    (output - reasoning) * price.output +
    reasoning * reasoningRate;
  const remainder = total % 1_000_000;
  return (total - remainder) / 1_000_000 + (remainder > 0 ? 1 : 0);
}

function bigTokenCost(price: TokenPrice, usage: TokenUsage): number {
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
