import { countTextTokens } from '../../billing/count-tokens.ts';
import type { ProxyDialect } from '../../proxy/proxy-dialect.ts';
import type { ModelRoute } from '../../routing/model-route.ts';
import { chatUpstreamRequest } from '../openai-chat/upstream-request.ts';
import { ToolCallStash } from '../tool-call-stash.ts';
import { ChatToGeminiStream } from './chat-stream-to-gemini.ts';
import { renderGeminiError, renderGeminiStreamError } from './error.ts';
import { chatToGemini } from './from-chat-response.ts';
import { geminiNativeRequest } from './native-request.ts';
import { parseGeminiRequest } from './request.ts';
import { GeminiStreamMeter } from './stream-meter.ts';
import { geminiToChat } from './to-chat-request.ts';
import { readGeminiUsage } from './usage.ts';

type Json = Record<string, unknown>;

/** A Gemini upstream gets the client's own body and answers byte for byte. */
const speaksGemini = (route: ModelRoute): boolean => route.provider.adapter.dialect === 'gemini';

/**
 * The Gemini API as the metered proxy speaks it. Gemini models pass straight through
 * to the Gemini API; every other model is reached through its chat API, translated
 * Gemini ⇄ Chat both ways. The model and streaming come from the URL
 * (`models/{model}:streamGenerateContent`).
 */
export function createGeminiDialect(stash = new ToolCallStash()): ProxyDialect {
  const keepReasoning = {
    onReasoning: (ids: readonly string[], text: string) => stash.keepReasoning(ids, text),
  };
  return {
    id: 'gemini',
    parse: (json, target) => parseGeminiRequest(json, target?.model ?? '', target?.stream === true),

    buildUpstreamRequest: (call, route, _client, clampOutputTokens) =>
      speaksGemini(route)
        ? geminiNativeRequest(call.body, route.model, call.stream, clampOutputTokens)
        : chatUpstreamRequest(
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

    newStreamMeter: (call, route) =>
      speaksGemini(route) ? new GeminiStreamMeter() : new ChatToGeminiStream(call.body, keepReasoning),
    onJsonAnswer: (response, route, call) =>
      speaksGemini(route) ? undefined : chatToGemini(response, call.body, keepReasoning),
    renderError: renderGeminiError,
    renderStreamError: renderGeminiStreamError,
    // An SSE comment: Google's SDK reads only `data:` lines.
    keepaliveEvent: ': keepalive\n\n',
  };
}
