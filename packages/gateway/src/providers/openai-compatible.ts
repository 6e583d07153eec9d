import type { ProviderAdapter } from './types.ts';

export const bearerAuth = (apiKey: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}` });

/**
 * The shared adapter for OpenAI-compatible Chat Completions APIs (vLLM, llama.cpp
 * server, OpenRouter, …). Vendor modules are small variations of this one.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export const openAiCompatible = {
  id: 'openai-compatible',
  speaks: { 'openai-chat': '/chat/completions' },
  authHeaders: bearerAuth,
  capabilities: { streamUsage: true, maxTokensField: 'max_tokens' },
} as const satisfies ProviderAdapter;

/** Builds a vendor adapter from the shared one, overriding only what differs. */
export function openAiCompatibleVariant(
  id: string,
  overrides: Partial<Omit<ProviderAdapter, 'id' | 'capabilities'>> & {
    capabilities?: Partial<ProviderAdapter['capabilities']>;
  } = {},
): ProviderAdapter {
  return {
    ...openAiCompatible,
    ...overrides,
    id,
    capabilities: { ...openAiCompatible.capabilities, ...overrides.capabilities },
  };
}
