import { randomUUID } from 'node:crypto';
import type { Json, TokenUsage } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { signatureOf } from '../openai-chat/extra-content.ts';
import { readChatUsage } from '../openai-chat/usage.ts';
import { showsThoughts } from './generation-config.ts';
import { thoughtSignaturePart } from './thought-signatures.ts';
import { type ToolNames, toolNames } from './tool-names.ts';

export interface ChatToGeminiOptions {
  /**
   * Receives the upstream's reasoning for a turn that called tools, so a caller can
   * hand it back through `geminiToChat`'s `reasoningFor`.
   */
  onReasoning?: (toolCallIds: readonly string[], reasoning: string) => void;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
  signature: string | undefined;
}

export const newResponseId = (): string => randomUUID().replaceAll('-', '');

/**
 * A chat.completion → a Gemini `GenerateContentResponse`, one candidate per choice:
 * thought parts (only if the client set `includeThoughts`; chat's `reasoning_content`
 * is the only visible reasoning there is), the text, then one `functionCall` part per
 * tool call, with the call's thought signature restored (see thought-signatures.ts).
 * A text answer's signature goes on its text part, or an empty one.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function chatToGemini(chat: Json, request: Json, options: ChatToGeminiOptions = {}): Json {
  const names = toolNames(request);
  const thoughts = showsThoughts(request);
  const choices = Array.isArray(chat['choices']) ? (chat['choices'] as Json[]) : [];
  const candidates = choices.map((choice, position) => {
    const message = obj(choice['message']);
    const calls = (Array.isArray(message['tool_calls']) ? (message['tool_calls'] as Json[]) : []).map(
      toolCallOf,
    );
    const reasoning = message['reasoning_content'] ?? message['reasoning'];
    const shown = typeof reasoning === 'string' ? reasoning : '';
    if (shown.length > 0 && calls.length > 0) {
      options.onReasoning?.(
        calls.map((call) => call.id),
        shown,
      );
    }
    const text = [message['content'], message['refusal']].filter((part) => typeof part === 'string').join('');
    const parts: Json[] = thoughts && shown.length > 0 ? [{ text: shown, thought: true }] : [];
    const signature = signatureOf(message);
    if (text.length > 0 || signature !== undefined) parts.push({ text, ...thoughtSignaturePart(signature) });
    parts.push(...calls.map((call) => functionCallPart(call, names)));
    return candidate(
      parts,
      choice['finish_reason'],
      typeof choice['index'] === 'number' ? choice['index'] : position,
    );
  });
  return geminiResponse({
    candidates,
    usage: readChatUsage(chat['usage']),
    model: String(chat['model'] ?? ''),
    id: typeof chat['id'] === 'string' ? chat['id'] : newResponseId(),
  });
}

function toolCallOf(call: Json): ToolCall {
  const fn = obj(call['function']);
  return {
    id: typeof call['id'] === 'string' ? call['id'] : `call_${newResponseId()}`,
    name: String(fn['name'] ?? ''),
    arguments: typeof fn['arguments'] === 'string' ? fn['arguments'] : '',
    signature: signatureOf(call),
  };
}

/** The object chat `arguments` encode, or undefined while they are not (yet) one. */
export function parseArguments(args: string): Json | undefined {
  if (args.trim().length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(args);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gemini `args` is an object; chat `arguments` a string the model may have broken (or
 * cut at the token limit). What does not parse becomes `{}`, so the client's tool
 * reports the missing arguments to the model instead of the whole answer failing.
 */
export const functionCallPart = (call: ToolCall, names: ToolNames): Json => ({
  functionCall: { id: call.id, name: names.toGemini(call.name), args: parseArguments(call.arguments) ?? {} },
  ...thoughtSignaturePart(call.signature),
});

/**
 * Chat `finish_reason` → Gemini `finishReason`: tool calls end with STOP (Gemini has no tool-call reason).
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
const finishReasons: Record<string, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP',
  function_call: 'STOP',
  content_filter: 'SAFETY',
};

export const geminiFinishReason = (finishReason: unknown): string =>
  finishReason === null || finishReason === undefined
    ? 'STOP'
    : (finishReasons[String(finishReason)] ?? 'OTHER');

/** Gemini rejects a content without parts in its history; an empty text part stands in. */
export const candidate = (parts: Json[], finishReason: unknown, index: number): Json => ({
  content: { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] },
  finishReason: geminiFinishReason(finishReason),
  index,
});

/**
 * Chat counts reasoning inside `completion_tokens`; Gemini's `candidatesTokenCount`
 * excludes thoughts, which it reports apart (`thoughtsTokenCount`). Both prompt counts
 * include cached tokens.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function geminiUsageOf(usage: TokenUsage): Json {
  const result: Json = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: Math.max(0, usage.outputTokens - usage.reasoningTokens),
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens > 0) result['cachedContentTokenCount'] = usage.cachedInputTokens;
  if (usage.reasoningTokens > 0) result['thoughtsTokenCount'] = usage.reasoningTokens;
  return result;
}

export function geminiResponse(fields: {
  candidates: Json[];
  usage: TokenUsage | null;
  model: string;
  id: string;
}): Json {
  const response: Json = { candidates: fields.candidates };
  if (fields.usage) response['usageMetadata'] = geminiUsageOf(fields.usage);
  response['modelVersion'] = fields.model;
  response['responseId'] = fields.id;
  return response;
}
