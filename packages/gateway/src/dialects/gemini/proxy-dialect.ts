import { countTextTokens } from '../../billing/count-tokens.ts';
import type { Json } from '../../contracts/index.ts';
import type { ProxyDialect } from '../dialect.ts';
import { ToolCallStash } from '../tool-call-stash.ts';
import { ChatToGeminiStream } from './chat-stream-to-gemini.ts';
import { renderGeminiError, renderGeminiStreamError } from './error.ts';
import { chatToGemini } from './from-chat-response.ts';
import { geminiNativeRequest } from './native-request.ts';
import { parseGeminiRequest } from './request.ts';
import { GeminiStreamMeter } from './stream-meter.ts';
import { geminiToChat } from './to-chat-request.ts';
import { readGeminiUsage } from './usage.ts';

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
    passThrough: (call, route, path, _client, clampOutputTokens) =>
      geminiNativeRequest(call.body, route.model, call.stream, clampOutputTokens, path),
    toChat: (call, route) =>
      geminiToChat(call.body, route.model, {
        stream: call.stream,
        reasoningFor: (id) => stash.reasoningFor(id),
      }),
    fromChat: (answer, call) => chatToGemini(answer, call.body, keepReasoning),
    passThroughMeter: () => new GeminiStreamMeter(),
    chatEncoder: (call) => new ChatToGeminiStream(call.body, keepReasoning),

    readUsage: (response) => readGeminiUsage(response['usageMetadata']),
    completionText: (response) => JSON.stringify((response['candidates'] as Json[] | undefined) ?? []),
    countPromptTokens: (body) =>
      countTextTokens(
        JSON.stringify([body['systemInstruction'] ?? '', body['contents'] ?? '', body['tools'] ?? '']),
      ),

    renderError: renderGeminiError,
    renderStreamError: renderGeminiStreamError,
    // An SSE comment: Google's SDK reads only `data:` lines.
    keepaliveEvent: ': keepalive\n\n',
  };
}
