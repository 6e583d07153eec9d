import { countTextTokens } from '../../billing/count-tokens.ts';
import type { Json } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { ProxyDialect } from '../dialect.ts';
import { renderOpenAiError } from '../openai-chat/error.ts';
import { ChatToResponsesStream } from './chat-stream-to-responses.ts';
import { chatToResponse } from './from-chat-response.ts';
import { parseResponsesRequest } from './request.ts';
import { ResponsesStreamMeter } from './stream-meter.ts';
import { responsesToChat } from './to-chat-request.ts';
import { readResponsesUsage } from './usage.ts';

/** Header Codex and the SDK send that Responses upstreams may use; nothing else of the client's leaves. */
const forwardedHeaders = ['openai-beta', 'session_id', 'conversation_id', 'x-openai-subagent'];

export const openAiResponsesDialect: ProxyDialect = {
  id: 'openai-responses',
  parse: parseResponsesRequest,

  passThrough(call, route, path, client, clampOutputTokens) {
    const body: Json = { ...call.body, model: route.model };
    if (clampOutputTokens !== undefined) body['max_output_tokens'] = clampOutputTokens;
    const headers: Record<string, string> = {};
    for (const name of forwardedHeaders) {
      const value = client.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return { path, headers, body: JSON.stringify(body) };
  },
  toChat: (call, route) => responsesToChat(call.body, route.model),
  fromChat: (answer, call) => chatToResponse(answer, call.body),
  passThroughMeter: () => new ResponsesStreamMeter(),
  chatEncoder: (call) => new ChatToResponsesStream(call.body),
  answerId: (response) => (typeof response['id'] === 'string' ? response['id'] : undefined),

  readUsage: (response) => readResponsesUsage(response['usage']),
  completionText: (response) => JSON.stringify(response['output'] ?? ''),
  countPromptTokens: (body) =>
    countTextTokens(JSON.stringify([body['instructions'] ?? '', body['input'] ?? '', body['tools'] ?? ''])),

  renderError: renderOpenAiError,
  renderStreamError: (error: GatewayError) =>
    `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param, sequence_number: 0 })}\n\n`,
  keepaliveEvent: ': keepalive\n\n',
};
