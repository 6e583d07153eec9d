import { randomUUID } from 'node:crypto';
import {
  type Json,
  parseJsonObject,
  type SseEvent,
  type StreamPart,
  type TokenUsage,
} from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { signatureOf } from '../openai-chat/extra-content.ts';
import { LifecycleWriter } from '../stream-lifecycle.ts';
import type { ChatStreamTranslator } from '../upstream-codec.ts';
import { chatFinishReason, chatPieceOf, chatUsageOf } from './gemini-to-chat-response.ts';
import { readGeminiUsage } from './usage.ts';

/**
 * A Gemini `streamGenerateContent?alt=sse` stream → the canonical lifecycle, one choice
 * per candidate: text parts → text, thought parts → reasoning, each `functionCall` part →
 * one whole tool call, `finishReason` → the choice's finish. Gemini repeats cumulative
 * `usageMetadata` on its chunks; the last one closes the stream as `usage`, then `done`.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export class GeminiStreamToChat implements ChatStreamTranslator {
  usage: TokenUsage | null = null;
  /** Every candidate that started has finished. */
  completed = false;
  failed = false;
  readonly #upstreamModel: string;
  readonly #writer = new LifecycleWriter();
  readonly #candidates = new Map<number, { calls: number; finished: boolean }>();

  constructor(upstreamModel: string) {
    this.#upstreamModel = upstreamModel;
  }

  observe(input: SseEvent): StreamPart[] {
    const chunk = parseJsonObject(input.data);
    if (!chunk) return [];
    const writer = this.#writer;
    if (chunk['error']) {
      this.failed = true;
      const error = obj(chunk['error']);
      writer.error({
        message: String(error['message'] ?? 'upstream error'),
        type: 'upstream_error',
        code: error['status'] ?? null,
      });
      return writer.take();
    }
    writer.id ??= `chatcmpl-${typeof chunk['responseId'] === 'string' ? chunk['responseId'] : randomUUID()}`;
    writer.model ??= typeof chunk['modelVersion'] === 'string' ? chunk['modelVersion'] : this.#upstreamModel;
    const usage = readGeminiUsage(chunk['usageMetadata']);
    if (usage) this.usage = usage;

    const candidates = Array.isArray(chunk['candidates']) ? (chunk['candidates'] as Json[]) : [];
    for (const [position, candidate] of candidates.entries()) {
      const index = typeof candidate['index'] === 'number' ? candidate['index'] : position;
      let state = this.#candidates.get(index);
      if (!state) {
        state = { calls: 0, finished: false };
        this.#candidates.set(index, state);
      }
      writer.start(index);
      for (const part of (obj(candidate['content'])['parts'] as Json[] | undefined) ?? []) {
        const piece = chatPieceOf(obj(part));
        if (piece?.kind === 'text') {
          writer.text(index, piece.text);
          if (typeof piece.signature === 'string' && piece.signature.length > 0)
            writer.textSignature(index, piece.signature);
        } else if (piece?.kind === 'thought') {
          writer.reasoning(index, piece.text);
        } else if (piece?.kind === 'call') {
          const { id, function: fn, extra_content: extra } = piece.call;
          writer.toolCall(index, {
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
        writer.finish(index, finish);
      }
    }
    if (candidates.length === 0 && obj(chunk['promptFeedback'])['blockReason']) {
      this.#candidates.set(0, { calls: 0, finished: true });
      writer.finish(0, 'content_filter');
    }
    this.completed =
      this.#candidates.size > 0 && [...this.#candidates.values()].every((state) => state.finished);
    return writer.take();
  }

  /** After a clean end: the usage (a chat client gets it only if it asked) and `done`. */
  finish(): StreamPart[] {
    if (this.usage) this.#writer.usage(this.usage, chatUsageOf(this.usage));
    this.#writer.done();
    return this.#writer.take();
  }
}
