import { randomUUID } from 'node:crypto';
import type {
  ChatCompletion,
  ChatFinishReason,
  ChatToolCall,
  ChatUsage,
  Json,
  TokenUsage,
} from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { signatureField } from '../openai-chat/extra-content.ts';
import { readGeminiUsage } from './usage.ts';

const filtered = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini `finishReason` → chat `finish_reason`; null while a stream's candidate is still going.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function chatFinishReason(reason: unknown, calledTools: boolean): ChatFinishReason | null {
  if (typeof reason !== 'string' || reason === '' || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (filtered.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}

/**
 * Gemini usage in chat's shape: prompt includes cached tokens, completion includes thoughts.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function chatUsageOf(usage: TokenUsage): ChatUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

export const newCallId = (): string => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;

/** One Gemini part as chat message fields: visible text, thought text, or one tool call. */
export function chatPieceOf(
  part: Json,
):
  | { kind: 'text'; text: string; signature: unknown }
  | { kind: 'thought'; text: string }
  | { kind: 'call'; call: ChatToolCall }
  | null {
  const call = part['functionCall'];
  if (call && typeof call === 'object') {
    const fn = call as Json;
    return {
      kind: 'call',
      call: {
        id: typeof fn['id'] === 'string' && fn['id'].length > 0 ? fn['id'] : newCallId(),
        type: 'function',
        function: { name: String(fn['name'] ?? ''), arguments: JSON.stringify(fn['args'] ?? {}) },
        ...signatureField(part['thoughtSignature']),
      },
    };
  }
  if (typeof part['text'] !== 'string') return null;
  return part['thought'] === true
    ? { kind: 'thought', text: part['text'] }
    : { kind: 'text', text: part['text'], signature: part['thoughtSignature'] };
}

/**
 * A Gemini `GenerateContentResponse` → a chat.completion, one choice per candidate:
 * text parts joined as `content`, thought parts as `reasoning_content`, each
 * `functionCall` a tool call (with a synthesized id when Gemini gave none, and its
 * `thoughtSignature` in `extra_content` the way Google's own OpenAI endpoint does), a
 * prompt blocked before any candidate as an empty `content_filter` answer.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 */
export function geminiToChatResponse(native: Json, upstreamModel: string): ChatCompletion {
  const candidates = Array.isArray(native['candidates']) ? (native['candidates'] as Json[]) : [];
  const choices = candidates.map((candidate, position) => {
    const texts: string[] = [];
    const thoughts: string[] = [];
    const calls: ChatToolCall[] = [];
    let signature: unknown;
    for (const part of (obj(candidate['content'])['parts'] as Json[] | undefined) ?? []) {
      const piece = chatPieceOf(obj(part));
      if (piece?.kind === 'text') {
        texts.push(piece.text);
        signature ??= piece.signature;
      } else if (piece?.kind === 'thought') thoughts.push(piece.text);
      else if (piece?.kind === 'call') calls.push(piece.call);
    }
    const message: ChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      content: texts.length > 0 || calls.length === 0 ? texts.join('') : null,
      ...(thoughts.length > 0 ? { reasoning_content: thoughts.join('') } : {}),
      ...(calls.length > 0 ? { tool_calls: calls } : signatureField(signature)),
    };
    return {
      index: typeof candidate['index'] === 'number' ? candidate['index'] : position,
      message,
      finish_reason: chatFinishReason(candidate['finishReason'], calls.length > 0) ?? 'stop',
      logprobs: null,
    };
  });
  if (choices.length === 0 && obj(native['promptFeedback'])['blockReason']) {
    choices.push({
      index: 0,
      message: { role: 'assistant', content: '' },
      finish_reason: 'content_filter',
      logprobs: null,
    });
  }
  const usage = readGeminiUsage(native['usageMetadata']);
  return {
    id: `chatcmpl-${typeof native['responseId'] === 'string' ? native['responseId'] : randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof native['modelVersion'] === 'string' ? native['modelVersion'] : upstreamModel,
    choices,
    ...(usage ? { usage: chatUsageOf(usage) } : {}),
  };
}
