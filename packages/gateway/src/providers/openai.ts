import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * OpenAI itself. `max_tokens` is deprecated and rejected by reasoning models, so a
 * client's `max_tokens` is renamed to `max_completion_tokens`.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens
 */
export const openai = openAiCompatibleVariant('openai', {
  capabilities: { streamUsage: true, maxTokensField: 'max_completion_tokens' },
  adjustRequest: renameMaxTokens,
  responsesPath: '/responses',
});

export function renameMaxTokens(body: Record<string, unknown>): void {
  if (body['max_tokens'] !== undefined && body['max_completion_tokens'] === undefined) {
    body['max_completion_tokens'] = body['max_tokens'];
    delete body['max_tokens'];
  }
}
