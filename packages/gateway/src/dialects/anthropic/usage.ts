import type { TokenUsage } from '../../contracts/index.ts';

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Anthropic `usage`: `input_tokens` is the uncached part only; the whole prompt is
 * input + cache_creation + cache_read. Thinking is part of `output_tokens`.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export function readAnthropicUsage(usage: unknown, previous?: TokenUsage | null): TokenUsage | null {
  if (!usage || typeof usage !== 'object') return null;
  const record = usage as Record<string, unknown>;
  const output = num(record['output_tokens']);
  const uncached = num(record['input_tokens']);
  const write = num(record['cache_creation_input_tokens']);
  const read = num(record['cache_read_input_tokens']);
  if (output === undefined && uncached === undefined) return null;
  const details = record['output_tokens_details'] as Record<string, unknown> | null | undefined;
  // message_delta counts are cumulative and may omit the input side: keep what message_start said.
  const cachedInputTokens = read ?? previous?.cachedInputTokens ?? 0;
  const cacheWriteTokens = write ?? previous?.cacheWriteTokens ?? 0;
  const inputTokens =
    uncached !== undefined ? uncached + cachedInputTokens + cacheWriteTokens : (previous?.inputTokens ?? 0);
  return {
    inputTokens,
    outputTokens: output ?? previous?.outputTokens ?? 0,
    cachedInputTokens,
    cacheWriteTokens,
    reasoningTokens: num(details?.['thinking_tokens']) ?? previous?.reasoningTokens ?? 0,
  };
}
