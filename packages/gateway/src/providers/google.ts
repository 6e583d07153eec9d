import { preferMaxTokens } from './deepseek.ts';
import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * Gemini through Google's OpenAI-compatible endpoint (…/v1beta/openai/chat/completions),
 * the default route for Gemini models on /v1/chat/completions until the native adapter lands.
 * @see https://ai.google.dev/gemini-api/docs/openai
 */
export const google = openAiCompatibleVariant('google', { adjustRequest: preferMaxTokens });
