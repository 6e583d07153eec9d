import type { TokenUsage } from '../../contracts/index.ts';
import { num, obj } from '../json-fields.ts';

/**
 * Reads Chat Completions `usage` (cached ⊂ prompt, reasoning ⊂ completion). DeepSeek
 * reports cache hits as `prompt_cache_hit_tokens` instead of the details object.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function readChatUsage(usage: unknown): TokenUsage | null {
  if (!usage || typeof usage !== 'object') return null;
  const record = usage as Record<string, unknown>;
  if (typeof record['prompt_tokens'] !== 'number' && typeof record['completion_tokens'] !== 'number')
    return null;
  const promptDetails = obj(record['prompt_tokens_details']);
  const completionDetails = obj(record['completion_tokens_details']);
  return {
    inputTokens: num(record['prompt_tokens']),
    outputTokens: num(record['completion_tokens']),
    cachedInputTokens: num(promptDetails['cached_tokens']) || num(record['prompt_cache_hit_tokens']),
    cacheWriteTokens: num(promptDetails['cache_write_tokens']),
    reasoningTokens: num(completionDetails['reasoning_tokens']),
  };
}
