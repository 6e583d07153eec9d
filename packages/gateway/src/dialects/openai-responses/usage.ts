import type { TokenUsage } from '../../contracts/index.ts';
import { num, obj } from '../json-fields.ts';

/**
 * Responses `usage`: cached ⊂ input, reasoning ⊂ output.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function readResponsesUsage(usage: unknown): TokenUsage | null {
  if (!usage || typeof usage !== 'object') return null;
  const record = usage as Record<string, unknown>;
  if (typeof record['input_tokens'] !== 'number' && typeof record['output_tokens'] !== 'number') return null;
  const input = obj(record['input_tokens_details']);
  const output = obj(record['output_tokens_details']);
  return {
    inputTokens: num(record['input_tokens']),
    outputTokens: num(record['output_tokens']),
    cachedInputTokens: num(input['cached_tokens']),
    cacheWriteTokens: num(input['cache_write_tokens']),
    reasoningTokens: num(output['reasoning_tokens']),
  };
}

/** Chat-shaped usage numbers in the Responses shape (for translated answers). */
export function responsesUsageOf(usage: TokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}
