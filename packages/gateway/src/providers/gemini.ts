import type { ProviderAdapter } from './types.ts';

/**
 * The Gemini API itself (generateContent / streamGenerateContent, `x-goog-api-key`):
 * `/models/{model}:method` below the base URL. Gemini clients reach it byte for byte;
 * every other client dialect reaches it through the canonical chat form.
 * @see https://ai.google.dev/api/generate-content
 */
export const gemini = {
  id: 'gemini',
  speaks: { gemini: '/models' },
  authHeaders: (apiKey: string) => ({ 'x-goog-api-key': apiKey }),
  capabilities: { streamUsage: true, maxTokensField: 'max_tokens' },
} as const satisfies ProviderAdapter;
