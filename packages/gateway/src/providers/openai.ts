import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * OpenAI itself: Chat Completions and the Responses API. `max_tokens` is deprecated and
 * rejected by reasoning models, so a client's cap goes in `max_completion_tokens`.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export const openai = openAiCompatibleVariant('openai', {
  speaks: { 'openai-chat': '/chat/completions', 'openai-responses': '/responses' },
  capabilities: { streamUsage: true, maxTokensField: 'max_completion_tokens' },
});
