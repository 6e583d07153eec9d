import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * Moonshot Kimi, OpenAI-compatible.
 * @see https://platform.moonshot.ai/docs/api/chat
 */
export const kimi = openAiCompatibleVariant('kimi');
