import { randomUUID } from 'node:crypto';
import type { ChatStreamEvent, ChoiceDelta, SseEvent, TokenUsage } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { signatureOf } from '../openai-chat/extra-content.ts';
import { chatFinishReason, chatPieceOf, chatUsageOf } from './gemini-to-chat-response.ts';
import { readGeminiUsage } from './usage.ts';

type Json = Record<string, unknown>;

const emptyDelta = (choice: number): ChoiceDelta => ({
  choice,
  role: undefined,
  reasoning: undefined,
  texts: [],
  signature: undefined,
  toolCalls: [],
  finishReason: undefined,
  matchedStop: undefined,
});

/**
 * A Gemini `streamGenerateContent?alt=sse` stream → the canonical typed stream
 * (translation.md §10.3): text parts → text, thought parts → reasoning, each
 * `functionCall` part → one complete tool call, `finishReason` → the choice's finish.
 * Gemini repeats cumulative `usageMetadata` on its chunks; the last one closes the
 * stream as the usage event, then `done`.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export class GeminiStreamToChat {
  usage: TokenUsage | null = null;
  /** Every candidate that started has finished. */
  completed = false;
  failed = false;
  readonly #upstreamModel: string;
  #id: string | undefined;
  #model: string | undefined;
  readonly #candidates = new Map<number, { calls: number; finished: boolean }>();

  constructor(upstreamModel: string) {
    this.#upstreamModel = upstreamModel;
  }

  observe(input: SseEvent): ChatStreamEvent[] {
    let chunk: Json;
    try {
      chunk = JSON.parse(input.data) as Json;
    } catch {
      return [];
    }
    if (chunk['error']) {
      this.failed = true;
      const error = obj(chunk['error']);
      return [
        {
          type: 'error',
          error: {
            message: String(error['message'] ?? 'upstream error'),
            type: 'upstream_error',
            code: error['status'] ?? null,
          },
        },
      ];
    }
    this.#id ??= `chatcmpl-${typeof chunk['responseId'] === 'string' ? chunk['responseId'] : randomUUID()}`;
    this.#model ??= typeof chunk['modelVersion'] === 'string' ? chunk['modelVersion'] : this.#upstreamModel;
    const usage = readGeminiUsage(chunk['usageMetadata']);
    if (usage) this.usage = usage;

    const choices: ChoiceDelta[] = [];
    const candidates = Array.isArray(chunk['candidates']) ? (chunk['candidates'] as Json[]) : [];
    for (const [position, candidate] of candidates.entries()) {
      const index = typeof candidate['index'] === 'number' ? candidate['index'] : position;
      const delta = emptyDelta(index);
      let state = this.#candidates.get(index);
      if (!state) {
        state = { calls: 0, finished: false };
        this.#candidates.set(index, state);
        delta.role = 'assistant';
      }
      for (const part of (obj(candidate['content'])['parts'] as Json[] | undefined) ?? []) {
        const piece = chatPieceOf(obj(part));
        if (piece?.kind === 'text') {
          if (piece.text.length > 0) delta.texts.push(piece.text);
          if (typeof piece.signature === 'string' && piece.signature.length > 0)
            delta.signature = piece.signature;
        } else if (piece?.kind === 'thought') {
          delta.reasoning = (delta.reasoning ?? '') + piece.text;
        } else if (piece?.kind === 'call') {
          const { id, function: fn, extra_content: extra } = piece.call;
          delta.toolCalls.push({
            index: state.calls++,
            id,
            name: fn.name,
            arguments: fn.arguments,
            signature: signatureOf(piece.call),
            extra,
          });
        }
      }
      const finish = chatFinishReason(candidate['finishReason'], state.calls > 0);
      if (finish) {
        state.finished = true;
        delta.finishReason = finish;
      }
      choices.push(delta);
    }
    if (candidates.length === 0 && obj(chunk['promptFeedback'])['blockReason']) {
      this.#candidates.set(0, { calls: 0, finished: true });
      choices.push({ ...emptyDelta(0), role: 'assistant', finishReason: 'content_filter' });
    }
    this.completed =
      this.#candidates.size > 0 && [...this.#candidates.values()].every((state) => state.finished);
    return choices.length > 0 ? [this.#chunk(choices, null)] : [];
  }

  /** After a clean end: the usage event (a chat client gets it only if it asked) and `done`. */
  finish(): ChatStreamEvent[] {
    const out: ChatStreamEvent[] = this.usage ? [this.#chunk([], this.usage)] : [];
    out.push({ type: 'done' });
    return out;
  }

  #chunk(choices: ChoiceDelta[], usage: TokenUsage | null): ChatStreamEvent {
    return {
      type: 'chunk',
      id: this.#id,
      model: this.#model,
      usage,
      rawUsage: usage ? chatUsageOf(usage) : undefined,
      choices,
    };
  }
}
