import type { GeneratedChoice } from './types.ts';

/** One `choices[]` entry of a `chat.completion.chunk`. */
export interface ChunkChoice {
  index: number;
  delta: Record<string, unknown>;
  logprobs: null;
  finish_reason: string | null;
}

const WORDS_PER_DELTA = 3;
const ARGUMENT_CHARS_PER_DELTA = 12;

/**
 * The deltas of one choice in wire order: role first, then content a few tokens at a time (or,
 * for a tool call, role together with the call's id/type/name and empty arguments, as the API
 * sends it, then argument fragments), then an empty delta with the finish reason.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export function* choiceDeltas(choice: GeneratedChoice, index: number): Generator<ChunkChoice> {
  const entry = (delta: Record<string, unknown>, finishReason: string | null = null): ChunkChoice => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const [firstCall, ...otherCalls] = choice.toolCalls;
  if (firstCall && choice.content === null) {
    yield entry({ role: 'assistant', content: null, tool_calls: [callStart(firstCall, 0)], refusal: null });
    yield* argumentDeltas(firstCall.arguments, 0, entry);
    for (const [offset, call] of otherCalls.entries()) {
      yield entry({ tool_calls: [callStart(call, offset + 1)] });
      yield* argumentDeltas(call.arguments, offset + 1, entry);
    }
  } else {
    yield entry({ role: 'assistant', content: '', refusal: null });
    for (const piece of textPieces(choice.content ?? '')) yield entry({ content: piece });
  }
  yield entry({}, choice.finishReason);
}

function callStart(call: { id: string; name: string }, index: number): Record<string, unknown> {
  return { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
}

function* argumentDeltas(
  text: string,
  index: number,
  entry: (delta: Record<string, unknown>) => ChunkChoice,
): Generator<ChunkChoice> {
  // Split by code point so a fragment never ends inside a surrogate pair.
  const characters = Array.from(text);
  for (let start = 0; start < characters.length; start += ARGUMENT_CHARS_PER_DELTA) {
    const fragment = characters.slice(start, start + ARGUMENT_CHARS_PER_DELTA).join('');
    yield entry({ tool_calls: [{ index, function: { arguments: fragment } }] });
  }
}

/** Groups of a few words (≈ tokens for the simulator's prose); joined they give back the text exactly. */
export function textPieces(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const pieces: string[] = [];
  for (let start = 0; start < words.length; start += WORDS_PER_DELTA) {
    pieces.push(words.slice(start, start + WORDS_PER_DELTA).join(''));
  }
  const covered = pieces.join('').length;
  if (covered < text.length) {
    const rest = text.slice(covered);
    if (pieces.length > 0) pieces[pieces.length - 1] += rest;
    else pieces.push(rest);
  }
  return pieces;
}

/** Round-robin across choices, like the API streams `n > 1`: each chunk carries one choice. */
export function* interleave<T>(sources: Iterable<T>[]): Generator<T> {
  let active = sources.map((source) => source[Symbol.iterator]());
  while (active.length > 0) {
    const next: Iterator<T>[] = [];
    for (const iterator of active) {
      const step = iterator.next();
      if (step.done) continue;
      yield step.value;
      next.push(iterator);
    }
    active = next;
  }
}
