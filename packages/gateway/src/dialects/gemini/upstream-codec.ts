import type { UpstreamCodec } from '../upstream-codec.ts';
import { chatToGeminiRequest } from './chat-to-gemini-request.ts';
import { GeminiStreamToChat } from './gemini-stream-to-chat.ts';
import { geminiToChatResponse } from './gemini-to-chat-response.ts';
import { geminiNativeRequest } from './native-request.ts';

/**
 * The Gemini API reached from the canonical chat form (a chat, Responses or Anthropic
 * client on a Gemini model).
 * @see https://ai.google.dev/api/generate-content
 */
export const geminiUpstreamCodec: UpstreamCodec = {
  request: (chat, upstreamModel, stream, path) =>
    geminiNativeRequest(chatToGeminiRequest(chat, upstreamModel), upstreamModel, stream, undefined, path),
  responseToChat: geminiToChatResponse,
  streamToChat: (upstreamModel) => new GeminiStreamToChat(upstreamModel),
};
