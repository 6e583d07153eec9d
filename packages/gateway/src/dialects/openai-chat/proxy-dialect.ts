import { countMessageTokens } from '../../billing/count-tokens.ts';
import type { ChatRequest } from '../../contracts/index.ts';
import { chatUpstreamRequest } from '../chat-upstream-request.ts';
import type { ParsedCall, ProxyDialect } from '../dialect.ts';
import { ChatChunkEncoder } from './chat-chunk-encoder.ts';
import { chatCompletionText } from './completion-text.ts';
import { renderOpenAiError, renderOpenAiStreamError } from './error.ts';
import { type ChatCompletionsRequest, parseChatRequest } from './request.ts';
import { ChatStreamMeter } from './stream-meter.ts';
import { readChatUsage } from './usage.ts';

const wantsUsage = (call: ParsedCall): boolean => (call as ChatCompletionsRequest).clientWantsUsage === true;

/**
 * OpenAI Chat Completions as the metered proxy speaks it. Its body is the canonical form
 * itself: a chat upstream gets it with the model, cap and quirks applied; any other
 * upstream through that format's codec.
 */
export const openAiChatDialect: ProxyDialect = {
  id: 'openai-chat',
  parse: parseChatRequest,
  passThrough: (call, route, path, _client, clampOutputTokens) =>
    chatUpstreamRequest(
      call.body as ChatRequest,
      route,
      { wire: 'openai-chat', path },
      call.stream,
      clampOutputTokens,
      call.source,
    ),
  toChat: (call) => call.body as ChatRequest,
  fromChat: (answer) => answer,
  passThroughMeter: (call) => new ChatStreamMeter(wantsUsage(call)),
  chatEncoder: (call) => new ChatChunkEncoder(wantsUsage(call)),
  readUsage: (response) => readChatUsage(response['usage']),
  completionText: chatCompletionText,
  countPromptTokens: (body) => countMessageTokens(body['messages']),
  renderError: renderOpenAiError,
  renderStreamError: renderOpenAiStreamError,
  // An SSE comment: every OpenAI client ignores it.
  keepaliveEvent: ': keepalive\n\n',
};
