import type { ChatStreamEvent, SseEvent, TokenUsage, ToolCallFragment } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { decodeChatEvent, settleChatEvent } from '../openai-chat/stream-events.ts';
import { renderAnthropicStreamError } from './error.ts';
import {
  anthropicMessage,
  anthropicUsageOf,
  type ChatToAnthropicOptions,
  newAnthropicId,
  type ToolCall,
  toolUseBlock,
} from './from-chat-response.ts';

type Json = Record<string, unknown>;

type Block = { kind: 'text'; text: string } | { kind: 'tool'; call: ToolCall };

/** Chat error `code`/`type` → Anthropic error type, so the SDK raises the matching class. */
const errorTypes: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  context_length_exceeded: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  rate_limit_exceeded: 'rate_limit_error',
  insufficient_quota: 'billing_error',
  server_is_overloaded: 'overloaded_error',
  slow_down: 'overloaded_error',
};

/** Arguments that parse to an object are finished: nothing valid can follow a closing brace. */
function isComplete(args: string): boolean {
  if (!args.trimEnd().endsWith('}')) return false;
  try {
    const value: unknown = JSON.parse(args);
    return value !== null && typeof value === 'object';
  } catch {
    return false;
  }
}

/**
 * Chat Completions chunks → Anthropic's stream, as the SDK's MessageStream and Claude
 * Code read it: message_start, then per content block start → deltas → stop, then
 * message_delta (stop_reason, cumulative usage) and message_stop, every event with its
 * `event:` line (translation.md §10.2).
 *
 * Blocks are sequential, but parallel tool calls may stream interleaved: a call that
 * starts while the one streaming is unfinished waits, its fragments kept, and is sent
 * (one input_json_delta) when that one's arguments parse or the answer ends. Fragments
 * otherwise go out as they arrive, unvalidated: invalid JSON reaches the client as the
 * model wrote it (`assembled()` turns it into `{}`, like chatToAnthropic). A fragment
 * for a call already stopped (text came in between) can no longer be sent; only
 * `assembled()` has it.
 *
 * Chat reports usage only in its last chunk, so message_start says 0 and the real
 * counts go in message_delta (the SDK overwrites, never adds). `reasoning_content` is
 * counted but not shown (see chatToAnthropic).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class ChatToAnthropicStream implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  readonly #request: Json;
  readonly #options: ChatToAnthropicOptions;
  readonly #id = newAnthropicId('msg');
  #model: string;
  #started = false;
  readonly #blocks: Block[] = [];
  /** The last block has been started and not yet stopped. */
  #open = false;
  readonly #calls = new Map<number, ToolCall>();
  readonly #waiting: ToolCall[] = [];
  #finishReason: unknown = null;
  #matchedStop: unknown = null;
  #reasoning = '';
  #reasoningReported = false;
  readonly #generated: string[] = [];

  constructor(request: Json, options: ChatToAnthropicOptions = {}) {
    this.#request = request;
    this.#options = options;
    this.#model = String(request['model'] ?? '');
  }

  observe(event: SseEvent): string | null {
    return this.consume(decodeChatEvent(event));
  }

  /** One event of the canonical stream, typed (a codec upstream's, or a decoded chat chunk). */
  consume(event: ChatStreamEvent | undefined): string | null {
    const read = settleChatEvent(event, this);
    if (!read) return null;
    if (read.type === 'error') {
      const { error } = read;
      const type = errorTypes[String(error['code'])] ?? errorTypes[String(error['type'])] ?? 'api_error';
      const message = String(error['message'] ?? 'upstream error');
      return this.#emit('error', { error: { type, message }, request_id: null });
    }
    let out = this.#start(read.model);
    if (read.usage) this.usage = read.usage;
    // Anthropic messages have one answer: the first choice.
    const delta = read.choices[0];
    if (!delta) return out || null;
    if (delta.reasoning !== undefined) {
      this.#generated.push(delta.reasoning);
      this.#reasoning += delta.reasoning;
    }
    for (const text of delta.texts) out += this.#textDelta(text);
    for (const fragment of delta.toolCalls) out += this.#toolCallDelta(fragment);
    if (delta.finishReason !== undefined) {
      this.#finishReason = delta.finishReason;
      this.#matchedStop = delta.matchedStop;
      out += this.#flush();
    }
    return out || null;
  }

  /** Closes what is open; message_delta carries what the usage chunk said. */
  finish(): string {
    const out = this.#start(undefined) + this.#flush();
    const message = this.assembled();
    return (
      out +
      this.#emit('message_delta', {
        delta: {
          stop_reason: message['stop_reason'],
          stop_sequence: message['stop_sequence'],
          stop_details: null,
        },
        usage: anthropicUsageOf(this.usage),
      }) +
      this.#emit('message_stop', {})
    );
  }

  assembled(): Json {
    const content = this.#blocks.map((block) =>
      block.kind === 'text' ? { type: 'text', text: block.text } : toolUseBlock(block.call),
    );
    content.push(...this.#waiting.map(toolUseBlock));
    this.#reportReasoning();
    return anthropicMessage(this.#request, {
      id: this.#id,
      model: this.#model,
      content,
      finishReason: this.#finishReason,
      matchedStop: this.#matchedStop,
      usage: this.usage,
    });
  }

  renderError(error: GatewayError): string {
    return renderAnthropicStreamError(error);
  }

  generatedText(): string {
    return this.#generated.join('');
  }

  #emit(type: string, payload: Json): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
  }

  #start(model: string | undefined): string {
    if (this.#started) return '';
    this.#started = true;
    if (model !== undefined) this.#model = model;
    const message = {
      id: this.#id,
      type: 'message',
      role: 'assistant',
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      usage: anthropicUsageOf(null),
    };
    return this.#emit('message_start', { message });
  }

  #textDelta(text: string): string {
    this.#generated.push(text);
    let out = '';
    let block = this.#blocks.at(-1);
    if (!this.#open || block?.kind !== 'text') {
      out += this.#flush();
      block = { kind: 'text', text: '' };
      out += this.#startBlock(block, { type: 'text', text: '' });
    }
    block.text += text;
    return out + this.#delta({ type: 'text_delta', text });
  }

  #toolCallDelta(fragment: ToolCallFragment): string {
    const index = fragment.index ?? 0;
    const args = fragment.arguments ?? '';
    if (args.length > 0) this.#generated.push(args);
    const call = this.#calls.get(index);
    const id = call?.id ?? fragment.id;
    if (fragment.extra && id !== undefined) this.#options.onToolCallExtra?.(id, fragment.extra);
    if (!call) return this.#newCall(index, fragment, args);
    call.arguments += args;
    if (call !== this.#liveCall()) return ''; // waiting (sent later) or already stopped (class comment)
    let out = args.length > 0 ? this.#delta({ type: 'input_json_delta', partial_json: args }) : '';
    while (this.#waiting.length > 0 && isComplete(this.#liveCall()?.arguments ?? '')) {
      out += this.#closeBlock() + this.#startCall(this.#waiting.shift()!);
    }
    return out;
  }

  #newCall(index: number, fragment: ToolCallFragment, args: string): string {
    const call: ToolCall = {
      id: fragment.id ?? newAnthropicId('toolu'),
      name: fragment.name ?? '',
      arguments: args,
    };
    this.#calls.set(index, call);
    const live = this.#liveCall();
    if (live && !isComplete(live.arguments)) {
      this.#waiting.push(call);
      return '';
    }
    return this.#closeBlock() + this.#startCall(call);
  }

  #liveCall(): ToolCall | undefined {
    const block = this.#blocks.at(-1);
    return this.#open && block?.kind === 'tool' ? block.call : undefined;
  }

  #startCall(call: ToolCall): string {
    const start = this.#startBlock(
      { kind: 'tool', call },
      { type: 'tool_use', id: call.id, name: call.name, input: {} },
    );
    if (call.arguments.length === 0) return start;
    return start + this.#delta({ type: 'input_json_delta', partial_json: call.arguments });
  }

  #startBlock(block: Block, contentBlock: Json): string {
    this.#blocks.push(block);
    this.#open = true;
    return this.#emit('content_block_start', {
      index: this.#blocks.length - 1,
      content_block: contentBlock,
    });
  }

  #delta(delta: Json): string {
    return this.#emit('content_block_delta', { index: this.#blocks.length - 1, delta });
  }

  #closeBlock(): string {
    if (!this.#open) return '';
    this.#open = false;
    return this.#emit('content_block_stop', { index: this.#blocks.length - 1 });
  }

  /** Stops the open block and sends every waiting call, in the order they began. */
  #flush(): string {
    let out = '';
    for (let call = this.#waiting.shift(); call; call = this.#waiting.shift()) {
      out += this.#closeBlock() + this.#startCall(call);
    }
    return out + this.#closeBlock();
  }

  #reportReasoning(): void {
    if (this.#reasoningReported || this.#reasoning.length === 0 || this.#calls.size === 0) return;
    this.#reasoningReported = true;
    this.#options.onReasoning?.(
      [...this.#calls.values()].map((call) => call.id),
      this.#reasoning,
    );
  }
}
