import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * Ollama's OpenAI-compatible API; needs no key (any bearer is accepted).
 * @see https://github.com/ollama/ollama/blob/main/docs/openai.md
 */
export const ollama = openAiCompatibleVariant('ollama');
