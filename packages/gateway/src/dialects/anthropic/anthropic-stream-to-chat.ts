import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { SseEvent, StreamPart, TokenUsage } from '../../contracts/index.ts';
import { LifecycleWriter } from '../stream-lifecycle.ts';
import type { ChatStreamTranslator } from '../upstream-codec.ts';
import { chatFinishReason, chatUsageOf, thinkingBlockOf } from './anthropic-to-chat-response.ts';
import {
  blockDeltaSchema,
  blockStartSchema,
  blockStopSchema,
  errorEventSchema,
  messageDeltaSchema,
  messageStartSchema,
  parseEventData,
} from './message-schema.ts';
import { type ThinkingBlock, thinkingExtra } from './thinking-carrier.ts';
import { readAnthropicUsage } from './usage.ts';

/** What the translator knows of one content block while it streams, by its `index`. */
type OpenBlock =
  | { kind: 'text' }
  | { kind: 'tool'; call: number; sentArguments: boolean }
  | { kind: 'thinking'; block: ThinkingBlock }
  | { kind: 'other' };

/** The stream so far; each event handler reads and updates it (and writes the lifecycle). */
class StreamState {
  usage: TokenUsage | null = null;
  completed = false;
  failed = false;
  calls = 0;
  readonly blocks = new Map<number, OpenBlock>();
  /** Thinking blocks finished since the last tool call: they ride on the next call. */
  pending: ThinkingBlock[] = [];
  readonly writer = new LifecycleWriter();

  readonly upstreamModel: string;

  constructor(upstreamModel: string) {
    this.upstreamModel = upstreamModel;
  }
}

/** Anthropic error types → the `code` chat translators map (OpenAI's own codes where they exist). */
const errorCodes: Record<string, string> = {
  overloaded_error: 'server_is_overloaded',
  rate_limit_error: 'rate_limit_exceeded',
  api_error: 'server_error',
  timeout_error: 'server_error',
  billing_error: 'insufficient_quota',
};

type Handler = (state: StreamState, data: unknown) => void;

/** A handler for events that parse with `schema`; one without the fields its type needs is skipped. */
const on =
  <T>(schema: z.ZodType<T>, handle: (state: StreamState, event: T) => void): Handler =>
  (state, data) => {
    const parsed = schema.safeParse(data);
    if (parsed.success) handle(state, parsed.data);
  };

const handlers: Record<string, Handler> = {
  message_start: on(messageStartSchema, (state, { message }) => {
    state.writer.id = `chatcmpl-${message.id ?? randomUUID()}`;
    state.writer.model = message.model ?? state.upstreamModel;
    state.usage = readAnthropicUsage(message.usage, state.usage) ?? state.usage;
    state.writer.start(0);
  }),
  content_block_start: on(blockStartSchema, (state, { index, content_block: block }) => {
    if (block.type === 'text') {
      state.blocks.set(index, { kind: 'text' });
      if (block.text) state.writer.text(0, block.text);
      return;
    }
    const thinking = thinkingBlockOf(block);
    if (thinking) {
      state.blocks.set(index, { kind: 'thinking', block: thinking });
      if (block.thinking) state.writer.reasoning(0, block.thinking);
      return;
    }
    if (block.type !== 'tool_use') {
      state.blocks.set(index, { kind: 'other' });
      return;
    }
    const call = state.calls++;
    const input = block.input && typeof block.input === 'object' ? block.input : {};
    const whole = Object.keys(input).length > 0;
    state.blocks.set(index, { kind: 'tool', call, sentArguments: whole });
    const extra = thinkingExtra(state.pending);
    state.pending = [];
    state.writer.toolCall(0, {
      index: call,
      id: block.id ?? `toolu_${randomUUID().replaceAll('-', '')}`,
      name: block.name ?? '',
      // The API starts a call with `input: {}` and streams it; a proxy may send it whole.
      arguments: whole ? JSON.stringify(input) : undefined,
      extra,
    });
  }),
  content_block_delta: on(blockDeltaSchema, (state, { index, delta }) => {
    const open = state.blocks.get(index);
    if (delta.type === 'text_delta' && open?.kind === 'text' && delta.text) {
      state.writer.text(0, delta.text);
      return;
    }
    if (delta.type === 'input_json_delta' && open?.kind === 'tool' && delta.partial_json) {
      open.sentArguments = true;
      state.writer.toolCall(0, { index: open.call, arguments: delta.partial_json });
      return;
    }
    if (open?.kind !== 'thinking' || open.block.type !== 'thinking') return;
    if (delta.type === 'thinking_delta' && delta.thinking) {
      open.block.thinking += delta.thinking;
      state.writer.reasoning(0, delta.thinking);
    }
    if (delta.type === 'signature_delta' && delta.signature) open.block.signature += delta.signature;
  }),
  content_block_stop: on(blockStopSchema, (state, { index }) => {
    const open = state.blocks.get(index);
    if (open?.kind === 'text') state.writer.closeBlock(0);
    if (open?.kind === 'thinking') {
      state.pending.push(open.block);
      state.writer.closeBlock(0, open.block.type === 'thinking' ? open.block.signature : undefined);
    }
    if (open?.kind !== 'tool') return;
    // A call without arguments streams none; chat clients parse what they got, so it gets `{}`.
    if (!open.sentArguments) {
      open.sentArguments = true;
      state.writer.toolCall(0, { index: open.call, arguments: '{}' });
    }
    state.writer.endToolCall(0, open.call);
  }),
  message_delta: on(messageDeltaSchema, (state, { delta, usage }) => {
    state.usage = readAnthropicUsage(usage, state.usage) ?? state.usage;
    const stopReason = delta?.stop_reason;
    if (typeof stopReason !== 'string') return;
    state.writer.finish(0, chatFinishReason(stopReason, state.calls > 0), delta?.stop_sequence ?? undefined);
  }),
  message_stop: (state) => {
    state.completed = true;
  },
  ping: () => undefined,
  error: on(errorEventSchema, (state, { error }) => {
    state.failed = true;
    const type = error?.type ?? 'api_error';
    state.writer.error({
      message: error?.message ?? 'upstream error',
      type,
      param: null,
      code: errorCodes[type] ?? type,
    });
  }),
};

/**
 * An Anthropic Messages stream → the canonical lifecycle, event by event, one handler
 * per event type (message_start → the choice's start; text blocks → text;
 * a `tool_use` block → a tool call numbered 0, 1, … in order (not the block index), its
 * `input_json_delta` fragments → argument fragments, its stop → the call's end; thinking
 * blocks → reasoning (ended with their signature), and each finished thinking block rides
 * on the next tool call's `extra` (see thinking-carrier); message_delta → the finish). Usage is read
 * from message_start and every cumulative message_delta, so it survives a cut stream;
 * `finish()` sends it as chat's usage chunk, then `done`. `ping`, unknown events and
 * server-tool blocks send nothing; an `error` event fails the stream.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class AnthropicStreamToChat implements ChatStreamTranslator {
  readonly #state: StreamState;

  constructor(upstreamModel: string) {
    this.#state = new StreamState(upstreamModel);
  }

  get usage(): TokenUsage | null {
    return this.#state.usage;
  }

  get completed(): boolean {
    return this.#state.completed;
  }

  get failed(): boolean {
    return this.#state.failed;
  }

  observe(event: SseEvent): StreamPart[] {
    const data = parseEventData(event.data);
    const type = (data && typeof data === 'object' && 'type' in data ? data.type : undefined) ?? event.event;
    const handler = typeof type === 'string' && Object.hasOwn(handlers, type) ? handlers[type] : undefined;
    handler?.(this.#state, data);
    return this.#state.writer.take();
  }

  /** After a clean end: the usage (a chat client gets it only if it asked) and `done`. */
  finish(): StreamPart[] {
    const { usage, writer } = this.#state;
    if (usage) writer.usage(usage, chatUsageOf(usage));
    writer.done();
    return writer.take();
  }
}
