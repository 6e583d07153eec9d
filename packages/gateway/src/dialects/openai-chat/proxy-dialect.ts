import { countMessageTokens } from '../../billing/count-tokens.ts';
import type { ParsedCall, ProxyDialect } from '../../proxy/proxy-dialect.ts';
import { renderOpenAiError, renderOpenAiStreamError } from './error.ts';
import { type ChatCompletionsRequest, parseChatRequest } from './request.ts';
import { ChatStreamMeter } from './stream-meter.ts';
import { readChatUsage } from './usage.ts';

/** OpenAI Chat Completions as the metered proxy speaks it. */
export const openAiChatDialect: ProxyDialect = {
  id: 'openai-chat',
  parse: parseChatRequest,

  buildUpstreamRequest(call, route, _client, clampOutputTokens) {
    const { adapter } = route.provider;
    const body: Record<string, unknown> = { ...call.body, model: route.model };
    if (call.stream && adapter.capabilities.streamUsage) {
      // Billing needs the usage chunk; the meter hides it again if the client did not ask.
      const options = (call.body['stream_options'] ?? {}) as Record<string, unknown>;
      body['stream_options'] = { ...options, include_usage: true };
    }
    if (clampOutputTokens !== undefined) {
      delete body['max_tokens'];
      delete body['max_completion_tokens'];
      body[adapter.capabilities.maxTokensField] = clampOutputTokens;
    }
    adapter.adjustRequest?.(body);
    return { path: adapter.chatPath, headers: {}, body: JSON.stringify(body) };
  },

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
