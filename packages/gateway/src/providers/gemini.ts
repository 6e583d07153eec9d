import { chatToGeminiRequest } from '../dialects/gemini/chat-to-gemini-request.ts';
import { GeminiStreamToChat } from '../dialects/gemini/gemini-stream-to-chat.ts';
import { geminiToChatResponse } from '../dialects/gemini/gemini-to-chat-response.ts';
import { geminiNativeRequest } from '../dialects/gemini/native-request.ts';
import type { ProviderAdapter } from './types.ts';

/**
 * The Gemini API itself (generateContent / streamGenerateContent, `x-goog-api-key`).
 * Gemini clients reach it byte for byte; every other client dialect reaches it
 * through Chat Completions and this adapter's codec.
 * @see https://ai.google.dev/api/generate-content
 */
export const gemini: ProviderAdapter = {
  id: 'gemini',
  dialect: 'gemini',
  // Calls are built by `chatCodec` (from chat) or the Gemini dialect (pass-through), never from this path.
  chatPath: '/models',
  authHeaders: (apiKey: string) => ({ 'x-goog-api-key': apiKey }),
  capabilities: { streamUsage: true, maxTokensField: 'max_tokens' },
  chatCodec: {
    request: (chat, upstreamModel, stream) =>
      geminiNativeRequest(chatToGeminiRequest(chat, upstreamModel), upstreamModel, stream, undefined),
    responseToChat: geminiToChatResponse,
    streamToChat: (upstreamModel) => new GeminiStreamToChat(upstreamModel),
  },
};
