import { type Json, parseJsonObject, type SseEvent, type TokenUsage } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import type { ToolCallPiece } from '../stream-lifecycle.ts';
import { signatureOf } from './extra-content.ts';
import { readChatUsage } from './usage.ts';

/** What one chunk said about one choice, in the order it must be applied. */
export interface ChoiceDelta {
  choice: number;
  /** `reasoning_content` (DeepSeek, Gemini thoughts) or `reasoning` (OpenRouter, vLLM). */
  reasoning: string | undefined;
  /** Visible text: `content`, then `refusal` (each present only when non-empty). */
  texts: string[];
  /** A signature for the text answer (`extra_content` on the delta). */
  signature: string | undefined;
  toolCalls: ToolCallPiece[];
  finishReason: string | undefined;
  /** vLLM's `stop_reason`: the stop string that ended the choice. */
  matchedStop: unknown;
}

/** One Chat Completions SSE event, typed. */
export type ChatChunkEvent =
  | {
      type: 'chunk';
      id: string | undefined;
      model: string | undefined;
      usage: TokenUsage | null;
      /** The usage object as sent. */
      rawUsage: unknown;
      choices: ChoiceDelta[];
    }
  | { type: 'error'; error: Json }
  | { type: 'done' };

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

function toolCallPiece(fragment: Json): ToolCallPiece {
  const fn = obj(fragment['function']);
  return {
    index: typeof fragment['index'] === 'number' ? fragment['index'] : undefined,
    id: nonEmpty(fragment['id']),
    name: nonEmpty(fn['name']),
    arguments: nonEmpty(fn['arguments']),
    signature: signatureOf(fragment),
    extra:
      fragment['extra_content'] && typeof fragment['extra_content'] === 'object'
        ? (fragment['extra_content'] as Json)
        : undefined,
  };
}

function choiceDelta(choice: Json, position: number): ChoiceDelta {
  const delta = obj(choice['delta']);
  return {
    choice: typeof choice['index'] === 'number' ? choice['index'] : position,
    reasoning: nonEmpty(delta['reasoning_content'] ?? delta['reasoning']),
    texts: [delta['content'], delta['refusal']].flatMap((text) => nonEmpty(text) ?? []),
    signature: signatureOf(delta),
    toolCalls: (Array.isArray(delta['tool_calls']) ? (delta['tool_calls'] as Json[]) : []).map((fragment) =>
      toolCallPiece(obj(fragment)),
    ),
    finishReason: nonEmpty(choice['finish_reason']),
    matchedStop: choice['stop_reason'],
  };
}

/**
 * Decodes one Chat Completions SSE event: `[DONE]` ends the stream, an `error` object
 * fails it (openai-node raises on one), anything unparseable is skipped (undefined),
 * and every other chunk is typed.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function decodeChatEvent(event: SseEvent): ChatChunkEvent | undefined {
  if (event.data === '[DONE]') return { type: 'done' };
  const chunk = parseJsonObject(event.data);
  if (!chunk) return undefined;
  if (chunk['error'] !== undefined) return { type: 'error', error: obj(chunk['error']) };
  const choices = Array.isArray(chunk['choices']) ? (chunk['choices'] as Json[]) : [];
  return {
    type: 'chunk',
    id: nonEmpty(chunk['id']),
    model: nonEmpty(chunk['model']),
    usage: readChatUsage(chunk['usage']),
    rawUsage: chunk['usage'],
    choices: choices.map((choice, position) => choiceDelta(obj(choice), position)),
  };
}
