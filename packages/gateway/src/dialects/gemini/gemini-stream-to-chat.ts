import { randomUUID } from 'node:crypto';
import type { TokenUsage } from '../../billing/index.ts';
import type { SseEvent } from '../../upstream/sse.ts';
import { obj } from '../json-fields.ts';
import { chatFinishReason, chatPieceOf, chatUsageOf } from './gemini-to-chat-response.ts';
import { signatureField } from './thought-signatures.ts';
import { readGeminiUsage } from './usage.ts';

type Json = Record<string, unknown>;

const event = (data: string): SseEvent => ({ raw: `data: ${data}\n\n`, event: undefined, data });

/**
 * A Gemini `streamGenerateContent?alt=sse` stream → Chat Completions chunks
 * (translation.md §10.3): text parts → content deltas, thought parts →
 * `reasoning_content` deltas, each `functionCall` part → one complete tool call delta,
 * `finishReason` → the finish chunk. Gemini repeats cumulative `usageMetadata` on its
 * chunks; the last one becomes the usage chunk, then `[DONE]`.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export class GeminiStreamToChat {
  usage: TokenUsage | null = null;
  /** Every candidate that started has finished. */
  completed = false;
  failed = false;
  readonly #upstreamModel: string;
  #id: string | null = null;
  #model: string | null = null;
  readonly #candidates = new Map<number, { calls: number; finished: boolean }>();

  constructor(upstreamModel: string) {
    this.#upstreamModel = upstreamModel;
  }

  observe(input: SseEvent): SseEvent[] {
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
        event(
          JSON.stringify({
            error: {
              message: String(error['message'] ?? 'upstream error'),
              type: 'upstream_error',
              code: error['status'] ?? null,
            },
          }),
        ),
      ];
    }
    this.#id ??= `chatcmpl-${typeof chunk['responseId'] === 'string' ? chunk['responseId'] : randomUUID()}`;
    this.#model ??= typeof chunk['modelVersion'] === 'string' ? chunk['modelVersion'] : this.#upstreamModel;
    const usage = readGeminiUsage(chunk['usageMetadata']);
    if (usage) this.usage = usage;

    const out: SseEvent[] = [];
    const candidates = Array.isArray(chunk['candidates']) ? (chunk['candidates'] as Json[]) : [];
    for (const [position, candidate] of candidates.entries()) {
      const index = typeof candidate['index'] === 'number' ? candidate['index'] : position;
      let state = this.#candidates.get(index);
      if (!state) {
        state = { calls: 0, finished: false };
        this.#candidates.set(index, state);
        out.push(this.#chunk(index, { role: 'assistant', content: '' }, null));
      }
      for (const part of (obj(candidate['content'])['parts'] as Json[] | undefined) ?? []) {
        const piece = chatPieceOf(obj(part));
        if (piece?.kind === 'text') {
          out.push(this.#chunk(index, { content: piece.text, ...signatureField(piece.signature) }, null));
        } else if (piece?.kind === 'thought') {
          out.push(this.#chunk(index, { reasoning_content: piece.text }, null));
        } else if (piece?.kind === 'call') {
          out.push(this.#chunk(index, { tool_calls: [{ index: state.calls++, ...piece.call }] }, null));
        }
      }
      const finish = chatFinishReason(candidate['finishReason'], state.calls > 0);
      if (finish) {
        state.finished = true;
        out.push(this.#chunk(index, {}, finish));
      }
    }
    if (candidates.length === 0 && obj(chunk['promptFeedback'])['blockReason']) {
      this.#candidates.set(0, { calls: 0, finished: true });
      out.push(this.#chunk(0, { role: 'assistant', content: '' }, 'content_filter'));
    }
    this.completed =
      this.#candidates.size > 0 && [...this.#candidates.values()].every((state) => state.finished);
    return out;
  }

  /** After a clean end: the usage chunk (the chat meter forwards it only if the client asked) and `[DONE]`. */
  finish(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.usage) {
      out.push(
        event(
          JSON.stringify({
            id: this.#id,
            object: 'chat.completion.chunk',
            created: Math.floor(Date.now() / 1000),
            model: this.#model,
            choices: [],
            usage: chatUsageOf(this.usage),
          }),
        ),
      );
    }
    out.push(event('[DONE]'));
    return out;
  }

  #chunk(index: number, delta: Json, finishReason: string | null): SseEvent {
    return event(
      JSON.stringify({
        id: this.#id,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: this.#model,
        choices: [{ index, delta, finish_reason: finishReason, logprobs: null }],
      }),
    );
  }
}
