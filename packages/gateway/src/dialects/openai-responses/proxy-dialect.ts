import { countTextTokens } from '../../billing/count-tokens.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { ProxyDialect } from '../../proxy/proxy-dialect.ts';
import type { ModelRoute } from '../../routing/model-route.ts';
import { renderOpenAiError } from '../openai-chat/error.ts';
import { chatUpstreamRequest } from '../openai-chat/upstream-request.ts';
import { ChatToResponsesStream } from './chat-stream-to-responses.ts';
import { chatToResponse } from './from-chat-response.ts';
import { parseResponsesRequest } from './request.ts';
import { ResponsesStreamMeter } from './stream-meter.ts';
import { responsesToChat } from './to-chat-request.ts';
import { readResponsesUsage } from './usage.ts';

type Json = Record<string, unknown>;

/** A route speaks Responses natively (pass-through) or only chat (translate both ways). */
const speaksResponses = (route: ModelRoute): boolean => route.provider.adapter.responsesPath !== undefined;

/** Header Codex and the SDK send that Responses upstreams may use; nothing else of the client's leaves. */
const forwardedHeaders = ['openai-beta', 'session_id', 'conversation_id', 'x-openai-subagent'];

export const openAiResponsesDialect: ProxyDialect = {
  id: 'openai-responses',
  parse: parseResponsesRequest,

  buildUpstreamRequest(call, route, client, clampOutputTokens) {
    const { adapter } = route.provider;
    if (speaksResponses(route)) {
      const body: Json = { ...call.body, model: route.model };
      if (clampOutputTokens !== undefined) body['max_output_tokens'] = clampOutputTokens;
      const headers: Record<string, string> = {};
      for (const name of forwardedHeaders) {
        const value = client.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      return { path: adapter.responsesPath!, headers, body: JSON.stringify(body) };
    }
    return chatUpstreamRequest(
      responsesToChat(call.body, route.model),
      route,
      call.stream,
      clampOutputTokens,
    );
  },

  readUsage: (response) => readResponsesUsage(response['usage']),

  completionText(response) {
    return JSON.stringify(response['output'] ?? '');
  },

  countPromptTokens: (body) =>
    countTextTokens(JSON.stringify([body['instructions'] ?? '', body['input'] ?? '', body['tools'] ?? ''])),

  newStreamMeter: (call, route) =>
    speaksResponses(route) ? new ResponsesStreamMeter() : new ChatToResponsesStream(call.body),

  onJsonAnswer: (response, route, call) =>
    speaksResponses(route) ? undefined : chatToResponse(response, call.body),

  answerId: (response, route) =>
    speaksResponses(route) && typeof response['id'] === 'string' ? response['id'] : undefined,

  renderError: renderOpenAiError,
  renderStreamError: (error: GatewayError) =>
    `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param, sequence_number: 0 })}\n\n`,
  keepaliveEvent: ': keepalive\n\n',
};
