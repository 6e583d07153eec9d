import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * DeepSeek: OpenAI-compatible; caps output with `max_tokens` and reports cache hits
 * as `prompt_cache_hit_tokens` alongside the standard usage fields.
 * @see https://api-docs.deepseek.com/api/create-chat-completion
 */
export const deepseek = openAiCompatibleVariant('deepseek', {
  adjustRequest: preferMaxTokens,
});

/** DeepSeek documents only `max_tokens`; keep a client's newer field meaningful. */
export function preferMaxTokens(body: Record<string, unknown>): void {
  if (body['max_completion_tokens'] !== undefined && body['max_tokens'] === undefined) {
    body['max_tokens'] = body['max_completion_tokens'];
    delete body['max_completion_tokens'];
  }
}
