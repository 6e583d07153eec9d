import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * MiniMax OpenAI-compatible API.
 * @see https://platform.minimax.io/docs/api-reference/text-openai-api
 */
export const minimax = openAiCompatibleVariant('minimax');
