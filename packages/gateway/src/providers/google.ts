import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * Gemini through Google's OpenAI-compatible endpoint (…/v1beta/openai/chat/completions),
 * for operators who prefer it; the default `google` provider uses the native `gemini` adapter.
 * @see https://ai.google.dev/gemini-api/docs/openai
 */
export const google = openAiCompatibleVariant('google-openai');
