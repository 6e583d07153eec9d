import type { ProviderAdapter } from './types.ts';

/**
 * Anthropic Messages API. Registered so Anthropic models resolve to a provider; the
 * /v1/messages route that speaks to it is its own issue.
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropic = {
  id: 'anthropic',
  dialect: 'anthropic',
  chatPath: '/v1/messages',
  authHeaders: (apiKey: string) => ({ 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' }),
  capabilities: { streamUsage: true, maxTokensField: 'max_tokens' },
} as const satisfies ProviderAdapter;
