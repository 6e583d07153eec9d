import type { ChatStreamEvent, ChoiceDelta, SseEvent, ToolCallFragment } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { signatureOf } from './extra-content.ts';
import { readChatUsage } from './usage.ts';

type Json = Record<string, unknown>;

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

function toolCallFragment(fragment: Json): ToolCallFragment {
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
    role: nonEmpty(delta['role']),
    reasoning: nonEmpty(delta['reasoning_content'] ?? delta['reasoning']),
    texts: [delta['content'], delta['refusal']].flatMap((text) => nonEmpty(text) ?? []),
    signature: signatureOf(delta),
    toolCalls: (Array.isArray(delta['tool_calls']) ? (delta['tool_calls'] as Json[]) : []).map((fragment) =>
      toolCallFragment(obj(fragment)),
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
export function decodeChatEvent(event: SseEvent): ChatStreamEvent | undefined {
  if (event.data === '[DONE]') return { type: 'done' };
  let chunk: Json;
  try {
    chunk = JSON.parse(event.data) as Json;
  } catch {
    return undefined;
  }
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

/** A translator's end-of-stream state from one typed event: `done` completes, `error` fails. */
export function settleChatEvent(
  event: ChatStreamEvent | undefined,
  state: { completed: boolean; failed: boolean },
): Exclude<ChatStreamEvent, { type: 'done' }> | undefined {
  if (event?.type === 'done') {
    state.completed = true;
    return undefined;
  }
  if (event?.type === 'error') state.failed = true;
  return event;
}

/** Decodes and keeps a translator's end-of-stream state, so each one reads alike. */
export function readChatEvent(
  event: SseEvent,
  state: { completed: boolean; failed: boolean },
): Exclude<ChatStreamEvent, { type: 'done' }> | undefined {
  return settleChatEvent(decodeChatEvent(event), state);
}

/** Reads the canonical stream as typed events (translators to other dialects). */
export interface ChatEventConsumer {
  consume(event: ChatStreamEvent | undefined): string | null;
}

const sse = (data: string): SseEvent => ({ raw: `data: ${data}\n\n`, event: undefined, data });

function encodeDelta(delta: ChoiceDelta): Json {
  const fields: Json = {};
  if (delta.role !== undefined) fields['role'] = delta.role;
  if (delta.texts.length > 0 || delta.role !== undefined) fields['content'] = delta.texts.join('');
  if (delta.reasoning !== undefined) fields['reasoning_content'] = delta.reasoning;
  if (delta.signature !== undefined)
    fields['extra_content'] = { google: { thought_signature: delta.signature } };
  if (delta.toolCalls.length > 0) {
    fields['tool_calls'] = delta.toolCalls.map((call) => ({
      ...(call.index !== undefined ? { index: call.index } : {}),
      ...(call.id !== undefined ? { id: call.id, type: 'function' } : {}),
      function: {
        ...(call.name !== undefined ? { name: call.name } : {}),
        arguments: call.arguments ?? '',
      },
      ...(call.extra !== undefined ? { extra_content: call.extra } : {}),
    }));
  }
  return fields;
}

/**
 * A typed event back on the wire as a Chat Completions chunk, for a chat client of an
 * upstream with its own format (its usage-only chunk as chat sends it: `choices: []`).
 */
export function encodeChatEvent(event: ChatStreamEvent): SseEvent {
  if (event.type === 'done') return sse('[DONE]');
  if (event.type === 'error') return sse(JSON.stringify({ error: event.error }));
  return sse(
    JSON.stringify({
      id: event.id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: event.model,
      choices: event.choices.map((delta) => ({
        index: delta.choice,
        delta: encodeDelta(delta),
        finish_reason: delta.finishReason ?? null,
        logprobs: null,
      })),
      ...(event.rawUsage !== undefined ? { usage: event.rawUsage } : {}),
    }),
  );
}
