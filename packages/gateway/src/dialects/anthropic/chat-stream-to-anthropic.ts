import type { Json, StreamPart, TokenUsage } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamEncoder } from '../dialect.ts';
import { renderAnthropicStreamError } from './error.ts';
import {
  anthropicMessage,
  anthropicUsageOf,
  type ChatToAnthropicOptions,
  newAnthropicId,
  type ToolCall,
  toolUseBlock,
} from './from-chat-response.ts';

interface StreamCall extends ToolCall {
  /** Its `tool-call-end` came: the arguments are whole. */
  ended: boolean;
}

type Block = { kind: 'text'; text: string } | { kind: 'tool'; call: StreamCall };

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

/**
 * The canonical lifecycle → Anthropic's stream, as the SDK's MessageStream and Claude
 * Code read it: message_start, then per content block start → deltas → stop, then
 * message_delta (stop_reason, cumulative usage) and message_stop, every event with its
 * `event:` line.
 *
 * Blocks are sequential, but parallel tool calls may stream interleaved: a call that
 * starts while the one streaming is not yet whole waits, its fragments kept, and is sent
 * (one input_json_delta) when that one ends. Fragments otherwise go out as they arrive,
 * unvalidated: invalid JSON reaches the client as the model wrote it (`assembled()` turns
 * it into `{}`, like chatToAnthropic). A fragment for a call already stopped (text came in
 * between) can no longer be sent; only `assembled()` has it.
 *
 * Chat reports usage only in its last chunk, so message_start says 0 and the real
 * counts go in message_delta (the SDK overwrites, never adds). Reasoning is not shown
 * (see chatToAnthropic): only kept for the calls it led to.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class ChatToAnthropicStream implements StreamEncoder {
  readonly #request: Json;
  readonly #options: ChatToAnthropicOptions;
  readonly #id = newAnthropicId('msg');
  #model: string;
  #usage: TokenUsage | null = null;
  #started = false;
  readonly #blocks: Block[] = [];
  /** The last block has been started and not yet stopped. */
  #open = false;
  readonly #calls = new Map<number, StreamCall>();
  readonly #waiting: StreamCall[] = [];
  #finishReason: unknown = null;
  #matchedStop: unknown = null;
  #reasoning = '';
  #reasoningReported = false;

  constructor(request: Json, options: ChatToAnthropicOptions = {}) {
    this.#request = request;
    this.#options = options;
    this.#model = String(request['model'] ?? '');
  }

  encode(parts: readonly StreamPart[]): string | null {
    let out = '';
    for (const part of parts) out += this.#part(part);
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
        usage: anthropicUsageOf(this.#usage),
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
      usage: this.#usage,
    });
  }

  renderError(error: GatewayError): string {
    return renderAnthropicStreamError(error);
  }

  #part(part: StreamPart): string {
    switch (part.type) {
      case 'error': {
        const { error } = part;
        const type = errorTypes[String(error['code'])] ?? errorTypes[String(error['type'])] ?? 'api_error';
        const message = String(error['message'] ?? 'upstream error');
        return this.#emit('error', { error: { type, message }, request_id: null });
      }
      case 'usage':
        this.#usage = part.usage;
        return '';
      case 'start':
        return this.#start(part.model);
      case 'done':
        return '';
      default:
        break;
    }
    // Anthropic messages have one answer: the first choice.
    if (part.choice !== 0) return '';
    switch (part.type) {
      case 'reasoning-delta':
        this.#reasoning += part.text;
        return '';
      case 'text-delta':
        return this.#textDelta(part.text);
      case 'tool-call-start':
        return this.#newCall(part);
      case 'tool-call-delta':
        return this.#toolCallDelta(part.index, part.arguments);
      case 'tool-call-end':
        return this.#endCall(part);
      case 'finish':
        this.#finishReason = part.reason;
        this.#matchedStop = part.matchedStop;
        return this.#flush();
      default:
        return '';
    }
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

  #newCall(part: Extract<StreamPart, { type: 'tool-call-start' }>): string {
    const call: StreamCall = {
      id: part.id ?? newAnthropicId('toolu'),
      name: part.name ?? '',
      arguments: '',
      ended: false,
    };
    this.#calls.set(part.index, call);
    if (part.extra) this.#options.onToolCallExtra?.(call.id, part.extra);
    const live = this.#liveCall();
    if (live && !live.ended) {
      this.#waiting.push(call);
      return '';
    }
    return this.#closeBlock() + this.#startCall(call);
  }

  #toolCallDelta(index: number, args: string): string {
    const call = this.#calls.get(index);
    if (!call) return '';
    call.arguments += args;
    if (call !== this.#liveCall()) return ''; // waiting (sent later) or already stopped (class comment)
    return this.#delta({ type: 'input_json_delta', partial_json: args });
  }

  /** A whole call: if it is the one streaming, the calls waiting behind it go out. */
  #endCall(part: Extract<StreamPart, { type: 'tool-call-end' }>): string {
    const call = this.#calls.get(part.index);
    if (!call) return '';
    call.ended = true;
    if (part.extra) this.#options.onToolCallExtra?.(call.id, part.extra);
    let out = '';
    while (this.#waiting.length > 0 && this.#liveCall()?.ended === true) {
      out += this.#closeBlock() + this.#startCall(this.#waiting.shift()!);
    }
    return out;
  }

  #liveCall(): StreamCall | undefined {
    const block = this.#blocks.at(-1);
    return this.#open && block?.kind === 'tool' ? block.call : undefined;
  }

  #startCall(call: StreamCall): string {
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
