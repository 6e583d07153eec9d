import type { SseEvent, StreamPart, TokenUsage } from '../../contracts/index.ts';
import { LifecycleWriter } from '../stream-lifecycle.ts';
import type { ChatStreamTranslator } from '../upstream-codec.ts';
import { decodeChatEvent } from './stream-events.ts';

/**
 * Reads a Chat Completions stream as the canonical lifecycle: each chunk's choices become
 * start, text/reasoning blocks, tool calls assembled by index (whole once their arguments
 * parse, or when the choice finishes), finish; the usage chunk becomes `usage`; `[DONE]`
 * closes what is still open and ends the stream; an `error` chunk fails it.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class ChatStreamLifecycle implements ChatStreamTranslator {
  usage: TokenUsage | null = null;
  completed = false;
  failed = false;
  readonly #writer = new LifecycleWriter();

  observe(event: SseEvent): StreamPart[] {
    const read = decodeChatEvent(event);
    const writer = this.#writer;
    if (!read) return [];
    if (read.type === 'done') {
      this.completed = true;
      writer.done();
      return writer.take();
    }
    if (read.type === 'error') {
      this.failed = true;
      writer.error(read.error);
      return writer.take();
    }
    if (read.id !== undefined) writer.id ??= read.id;
    if (read.model !== undefined) writer.model = read.model;
    if (read.usage) {
      this.usage = read.usage;
      writer.usage(read.usage, read.rawUsage);
    }
    for (const delta of read.choices) {
      const { choice } = delta;
      writer.start(choice);
      if (delta.reasoning !== undefined) writer.reasoning(choice, delta.reasoning);
      if (delta.signature !== undefined) writer.textSignature(choice, delta.signature);
      for (const text of delta.texts) writer.text(choice, text);
      for (const piece of delta.toolCalls) writer.toolCall(choice, piece);
      if (delta.finishReason !== undefined) writer.finish(choice, delta.finishReason, delta.matchedStop);
    }
    return writer.take();
  }

  /** `[DONE]` already closed the stream. */
  finish(): StreamPart[] {
    return [];
  }
}
