import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * Zhipu GLM (Z.ai) OpenAI-compatible endpoint.
 * @see https://docs.z.ai/api-reference/llm/chat-completion
 */
export const glm = openAiCompatibleVariant('glm');
