import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * DeepSeek: OpenAI-compatible; caps output with `max_tokens` only (the shared default)
 * and reports cache hits as `prompt_cache_hit_tokens` alongside the standard usage fields.
 * @see https://api-docs.deepseek.com/api/create-chat-completion
 */
export const deepseek = openAiCompatibleVariant('deepseek');
