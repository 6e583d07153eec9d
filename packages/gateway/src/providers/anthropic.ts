import type { ProviderAdapter } from './types.ts';

/**
 * Anthropic Messages API (`x-api-key`, `anthropic-version`).
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropic = {
  id: 'anthropic',
  speaks: { anthropic: '/v1/messages' },
  authHeaders: (apiKey: string) => ({ 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' }),
  capabilities: { streamUsage: true, maxTokensField: 'max_tokens' },
} as const satisfies ProviderAdapter;
