import type { SseEvent } from '../../upstream/sse.ts';
import { obj } from '../json-fields.ts';

type Json = Record<string, unknown>;

/**
 * The common front of every translator that reads a Chat Completions stream: `[DONE]`
 * completes it, an `error` object fails it (openai-node raises on one), anything
 * unparseable is skipped, and the rest is a chunk to translate.
 */
export function readChatChunk(
  event: SseEvent,
  state: { completed: boolean; failed: boolean },
): { chunk: Json } | { error: Json } | undefined {
  if (event.data === '[DONE]') {
    state.completed = true;
    return undefined;
  }
  let chunk: Json;
  try {
    chunk = JSON.parse(event.data) as Json;
  } catch {
    return undefined;
  }
  if (chunk['error'] === undefined) return { chunk };
  state.failed = true;
  return { error: obj(chunk['error']) };
}
