import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type {
  ChatStreamEvent,
  ChoiceDelta,
  SseEvent,
  TokenUsage,
  ToolCallFragment,
} from '../../contracts/index.ts';
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

/** The stream so far; each event handler reads and updates it. */
class StreamState {
  id: string | undefined;
  model: string | undefined;
  usage: TokenUsage | null = null;
  completed = false;
  failed = false;
  calls = 0;
  readonly blocks = new Map<number, OpenBlock>();
  /** Thinking blocks finished since the last tool call: they ride on the next call. */
  pending: ThinkingBlock[] = [];

  readonly upstreamModel: string;

  constructor(upstreamModel: string) {
    this.upstreamModel = upstreamModel;
  }

  chunk(delta: Partial<ChoiceDelta>): ChatStreamEvent[] {
    return [
      {
        type: 'chunk',
        id: this.id,
        model: this.model,
        usage: null,
        rawUsage: undefined,
        choices: [{ ...emptyDelta, ...delta }],
      },
    ];
  }
}

const emptyDelta: ChoiceDelta = {
  choice: 0,
  role: undefined,
  reasoning: undefined,
  texts: [],
  signature: undefined,
  toolCalls: [],
  finishReason: undefined,
  matchedStop: undefined,
};

const fragment = (fields: Partial<ToolCallFragment> & { index: number }): ToolCallFragment => ({
  id: undefined,
  name: undefined,
  arguments: undefined,
  signature: undefined,
  extra: undefined,
  ...fields,
});

/** Anthropic error types → the `code` chat translators map (OpenAI's own codes where they exist). */
const errorCodes: Record<string, string> = {
  overloaded_error: 'server_is_overloaded',
  rate_limit_error: 'rate_limit_exceeded',
  api_error: 'server_error',
  timeout_error: 'server_error',
  billing_error: 'insufficient_quota',
};

type Handler = (state: StreamState, data: unknown) => ChatStreamEvent[];

const none: ChatStreamEvent[] = [];

/** A handler for events that parse with `schema`; one without the fields its type needs is skipped. */
const on =
  <T>(schema: z.ZodType<T>, handle: (state: StreamState, event: T) => ChatStreamEvent[]): Handler =>
  (state, data) => {
    const parsed = schema.safeParse(data);
    return parsed.success ? handle(state, parsed.data) : none;
  };

const handlers: Record<string, Handler> = {
  message_start: on(messageStartSchema, (state, { message }) => {
    state.id = `chatcmpl-${message.id ?? randomUUID()}`;
    state.model = message.model ?? state.upstreamModel;
    state.usage = readAnthropicUsage(message.usage, state.usage) ?? state.usage;
    return state.chunk({ role: 'assistant' });
  }),
  content_block_start: on(blockStartSchema, (state, { index, content_block: block }) => {
    if (block.type === 'text') {
      state.blocks.set(index, { kind: 'text' });
      return block.text ? state.chunk({ texts: [block.text] }) : none;
    }
    const thinking = thinkingBlockOf(block);
    if (thinking) {
      state.blocks.set(index, { kind: 'thinking', block: thinking });
      return block.thinking ? state.chunk({ reasoning: block.thinking }) : none;
    }
    if (block.type !== 'tool_use') {
      state.blocks.set(index, { kind: 'other' });
      return none;
    }
    const call = state.calls++;
    const input = block.input && typeof block.input === 'object' ? block.input : {};
    const whole = Object.keys(input).length > 0;
    state.blocks.set(index, { kind: 'tool', call, sentArguments: whole });
    const extra = thinkingExtra(state.pending);
    state.pending = [];
    return state.chunk({
      toolCalls: [
        fragment({
          index: call,
          id: block.id ?? `toolu_${randomUUID().replaceAll('-', '')}`,
          name: block.name ?? '',
          // The API starts a call with `input: {}` and streams it; a proxy may send it whole.
          arguments: whole ? JSON.stringify(input) : undefined,
          extra,
        }),
      ],
    });
  }),
  content_block_delta: on(blockDeltaSchema, (state, { index, delta }) => {
    const open = state.blocks.get(index);
    if (delta.type === 'text_delta' && open?.kind === 'text' && delta.text) {
      return state.chunk({ texts: [delta.text] });
    }
    if (delta.type === 'input_json_delta' && open?.kind === 'tool' && delta.partial_json) {
      open.sentArguments = true;
      return state.chunk({ toolCalls: [fragment({ index: open.call, arguments: delta.partial_json })] });
    }
    if (open?.kind !== 'thinking' || open.block.type !== 'thinking') return none;
    if (delta.type === 'thinking_delta' && delta.thinking) {
      open.block.thinking += delta.thinking;
      return state.chunk({ reasoning: delta.thinking });
    }
    if (delta.type === 'signature_delta' && delta.signature) open.block.signature += delta.signature;
    return none;
  }),
  content_block_stop: on(blockStopSchema, (state, { index }) => {
    const open = state.blocks.get(index);
    if (open?.kind === 'thinking') state.pending.push(open.block);
    // A call without arguments streams none; chat clients parse what they got, so it gets `{}`.
    if (open?.kind === 'tool' && !open.sentArguments) {
      open.sentArguments = true;
      return state.chunk({ toolCalls: [fragment({ index: open.call, arguments: '{}' })] });
    }
    return none;
  }),
  message_delta: on(messageDeltaSchema, (state, { delta, usage }) => {
    state.usage = readAnthropicUsage(usage, state.usage) ?? state.usage;
    const stopReason = delta?.stop_reason;
    if (typeof stopReason !== 'string') return none;
    return state.chunk({
      finishReason: chatFinishReason(stopReason, state.calls > 0),
      matchedStop: delta?.stop_sequence ?? undefined,
    });
  }),
  message_stop: (state) => {
    state.completed = true;
    return none;
  },
  ping: () => none,
  error: on(errorEventSchema, (state, { error }) => {
    state.failed = true;
    const type = error?.type ?? 'api_error';
    return [
      {
        type: 'error',
        error: {
          message: error?.message ?? 'upstream error',
          type,
          param: null,
          code: errorCodes[type] ?? type,
        },
      },
    ];
  }),
};

/**
 * An Anthropic Messages stream → the canonical typed stream, event by event, one handler
 * per event type (translation table: message_start → the role chunk; text_delta → text;
 * a `tool_use` block → a tool call numbered 0, 1, … in order (not the block index), its
 * `input_json_delta` fragments → argument fragments; thinking_delta → reasoning;
 * signature_delta is kept, and each finished thinking block rides on the next tool call's
 * `extra_content` (see thinking-carrier); message_delta → the finish chunk). Usage is read
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

  observe(event: SseEvent): ChatStreamEvent[] {
    const data = parseEventData(event.data);
    const type = (data && typeof data === 'object' && 'type' in data ? data.type : undefined) ?? event.event;
    const handler = typeof type === 'string' && Object.hasOwn(handlers, type) ? handlers[type] : undefined;
    return handler ? handler(this.#state, data) : none;
  }

  /** After a clean end: the usage event (a chat client gets it only if it asked) and `done`. */
  finish(): ChatStreamEvent[] {
    const { usage } = this.#state;
    const out: ChatStreamEvent[] = [];
    if (usage) {
      out.push({
        type: 'chunk',
        id: this.#state.id,
        model: this.#state.model,
        usage,
        rawUsage: chatUsageOf(usage),
        choices: [],
      });
    }
    out.push({ type: 'done' });
    return out;
  }
}
