import { countTextTokens } from '../../billing/count-tokens.ts';
import type { ProxyDialect } from '../../proxy/proxy-dialect.ts';
import { chatUpstreamRequest } from '../openai-chat/upstream-request.ts';
import { ToolCallStash } from '../tool-call-stash.ts';
import { ChatToGeminiStream } from './chat-stream-to-gemini.ts';
import { renderGeminiError, renderGeminiStreamError } from './error.ts';
import { chatToGemini } from './from-chat-response.ts';
import { parseGeminiRequest } from './request.ts';
import { geminiToChat } from './to-chat-request.ts';
import { readGeminiUsage } from './usage.ts';

type Json = Record<string, unknown>;

/**
 * The Gemini API as the metered proxy speaks it. Gemini models are reached through
 * Google's OpenAI-compatible endpoint (and every other model through its chat API),
 * so calls are translated Gemini ⇄ Chat both ways; the model and streaming come from
 * the URL (`models/{model}:streamGenerateContent`).
 */
export function createGeminiDialect(stash = new ToolCallStash()): ProxyDialect {
  const keepReasoning = {
    onReasoning: (ids: readonly string[], text: string) => stash.keepReasoning(ids, text),
  };
  return {
    id: 'gemini',
    parse: (json, target) => parseGeminiRequest(json, target?.model ?? '', target?.stream === true),

    buildUpstreamRequest: (call, route, _client, clampOutputTokens) =>
      chatUpstreamRequest(
        geminiToChat(call.body, route.model, {
          stream: call.stream,
          reasoningFor: (id) => stash.reasoningFor(id),
        }),
        route,
        call.stream,
        clampOutputTokens,
      ),

    readUsage: (response) => readGeminiUsage(response['usageMetadata']),

    completionText: (response) => JSON.stringify((response['candidates'] as Json[] | undefined) ?? []),

    countPromptTokens: (body) =>
      countTextTokens(
        JSON.stringify([body['systemInstruction'] ?? '', body['contents'] ?? '', body['tools'] ?? '']),
      ),

    newStreamMeter: (call) => new ChatToGeminiStream(call.body, keepReasoning),
    onJsonAnswer: (response, _route, call) => chatToGemini(response, call.body, keepReasoning),
    renderError: renderGeminiError,
    renderStreamError: renderGeminiStreamError,
    // An SSE comment: Google's SDK reads only `data:` lines.
    keepaliveEvent: ': keepalive\n\n',
  };
}
