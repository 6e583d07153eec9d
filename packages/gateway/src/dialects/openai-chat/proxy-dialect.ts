import { countMessageTokens } from '../../billing/count-tokens.ts';
import type { ParsedCall, ProxyDialect } from '../../proxy/proxy-dialect.ts';
import { renderOpenAiError, renderOpenAiStreamError } from './error.ts';
import { type ChatCompletionsRequest, parseChatRequest } from './request.ts';
import { ChatStreamMeter } from './stream-meter.ts';
import { chatUpstreamRequest } from './upstream-request.ts';
import { readChatUsage } from './usage.ts';

/** OpenAI Chat Completions as the metered proxy speaks it. */
export const openAiChatDialect: ProxyDialect = {
  id: 'openai-chat',
  parse: parseChatRequest,

  buildUpstreamRequest: (call, route, _client, clampOutputTokens) =>
    chatUpstreamRequest(call.body, route, call.stream, clampOutputTokens),

  readUsage: (response) => readChatUsage(response['usage']),

  completionText(response) {
    const choices = response['choices'];
    if (!Array.isArray(choices)) return '';
    return choices
      .map((choice) => {
        const message = (choice as Record<string, unknown> | null)?.['message'] as
          | Record<string, unknown>
          | undefined;
        const content = typeof message?.['content'] === 'string' ? message['content'] : '';
        return content + (message?.['tool_calls'] ? JSON.stringify(message['tool_calls']) : '');
      })
      .join('');
  },

  countPromptTokens: (body) => countMessageTokens(body['messages']),
  newStreamMeter: (call: ParsedCall) =>
    new ChatStreamMeter((call as ChatCompletionsRequest).clientWantsUsage === true),
  renderError: renderOpenAiError,
  renderStreamError: renderOpenAiStreamError,
  // An SSE comment: every OpenAI client ignores it.
  keepaliveEvent: ': keepalive\n\n',
};
