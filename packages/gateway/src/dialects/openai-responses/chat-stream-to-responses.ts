import type { ChatStreamEvent, SseEvent, TokenUsage, ToolCallFragment } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { decodeChatEvent, settleChatEvent } from '../openai-chat/stream-events.ts';
import {
  messageItem,
  newItemId,
  outputTextPart,
  reasoningItem,
  responseEnvelope,
  statusOf,
  toolCallItem,
} from './response-envelope.ts';
import { customToolNames } from './to-chat-request.ts';
import { responsesUsageOf } from './usage.ts';

type Json = Record<string, unknown>;

interface OpenText {
  outputIndex: number;
  id: string;
  text: string;
}

interface OpenCall {
  outputIndex: number;
  id: string;
  callId: string;
  name: string;
  arguments: string;
  custom: boolean;
}

/**
 * Chat Completions chunks → the Responses event sequence, as openai-node and Codex
 * expect it: created, in_progress, then per output item added → deltas → done, and
 * a terminal response.completed (or .incomplete) carrying the whole response and
 * usage. Items are append-only and every event has the next sequence_number.
 * Chat `reasoning_content` (DeepSeek, Qwen…) becomes a reasoning summary: it is the
 * only visible reasoning there is.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ChatToResponsesStream implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  readonly #request: Json;
  readonly #custom: Set<string>;
  readonly #id = newItemId('resp');
  readonly #createdAt = Math.floor(Date.now() / 1000);
  #model: string;
  #sequence = 0;
  #started = false;
  readonly #output: Json[] = [];
  #reasoning: OpenText | null = null;
  #message: OpenText | null = null;
  readonly #calls = new Map<number, OpenCall>();
  #finishReason: unknown = null;
  readonly #generated: string[] = [];

  constructor(request: Json) {
    this.#request = request;
    this.#custom = customToolNames(request);
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
      return this.#emit('error', {
        code: error['code'] ?? 'server_error',
        message: String(error['message'] ?? 'upstream error'),
        param: null,
      });
    }
    let out = this.#start(read.model);
    if (read.usage) this.usage = read.usage;
    // A response has one answer: the first choice.
    const delta = read.choices[0];
    if (!delta) return out || null;
    if (delta.reasoning !== undefined) out += this.#reasoningDelta(delta.reasoning);
    for (const text of delta.texts) out += this.#textDelta(text);
    for (const fragment of delta.toolCalls) out += this.#toolCallDelta(fragment);
    if (delta.finishReason !== undefined) this.#finishReason = delta.finishReason;
    return out || null;
  }

  /** Closes what is open and ends with the terminal event. */
  finish(): string {
    let out = this.#start(undefined);
    out += this.#closeText() + this.#closeCalls();
    const response = this.assembled();
    return (
      out +
      this.#emit(response['status'] === 'incomplete' ? 'response.incomplete' : 'response.completed', {
        response,
      })
    );
  }

  assembled(): Json {
    const { status, incompleteReason } = statusOf(this.#finishReason);
    return responseEnvelope(this.#request, {
      id: this.#id,
      model: this.#model,
      createdAt: this.#createdAt,
      status,
      incompleteReason,
      output: this.#output,
      usage: this.usage ? responsesUsageOf(this.usage) : null,
    });
  }

  renderError(error: GatewayError): string {
    return this.#emit('error', { code: error.code, message: error.message, param: null });
  }

  generatedText(): string {
    return this.#generated.join('');
  }

  #emit(type: string, payload: Json): string {
    const data = { type, sequence_number: this.#sequence++, ...payload };
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  #start(model: string | undefined): string {
    if (this.#started) return '';
    this.#started = true;
    if (model !== undefined) this.#model = model;
    const response = responseEnvelope(this.#request, {
      id: this.#id,
      model: this.#model,
      createdAt: this.#createdAt,
      status: 'in_progress',
      output: [],
      usage: null,
    });
    return this.#emit('response.created', { response }) + this.#emit('response.in_progress', { response });
  }

  #addItem(item: Json): string {
    const outputIndex = this.#output.length;
    this.#output.push(item);
    return this.#emit('response.output_item.added', { output_index: outputIndex, item });
  }

  #reasoningDelta(delta: string): string {
    this.#generated.push(delta);
    let out = '';
    if (!this.#reasoning) {
      out += this.#closeText();
      const id = newItemId('rs');
      out += this.#addItem(reasoningItem(id, ''));
      this.#reasoning = { outputIndex: this.#output.length - 1, id, text: '' };
      out += this.#emit('response.reasoning_summary_part.added', {
        item_id: id,
        output_index: this.#reasoning.outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
    }
    this.#reasoning.text += delta;
    return (
      out +
      this.#emit('response.reasoning_summary_text.delta', {
        item_id: this.#reasoning.id,
        output_index: this.#reasoning.outputIndex,
        summary_index: 0,
        delta,
      })
    );
  }

  #textDelta(delta: string): string {
    this.#generated.push(delta);
    let out = '';
    if (!this.#message) {
      out += this.#closeReasoning();
      const id = newItemId('msg');
      out += this.#addItem(messageItem(id, '', 'in_progress'));
      this.#message = { outputIndex: this.#output.length - 1, id, text: '' };
      out += this.#emit('response.content_part.added', {
        item_id: id,
        output_index: this.#message.outputIndex,
        content_index: 0,
        part: outputTextPart(''),
      });
    }
    this.#message.text += delta;
    return (
      out +
      this.#emit('response.output_text.delta', {
        item_id: this.#message.id,
        output_index: this.#message.outputIndex,
        content_index: 0,
        delta,
        logprobs: [],
      })
    );
  }

  #toolCallDelta(fragment: ToolCallFragment): string {
    const index = fragment.index ?? 0;
    let out = '';
    let call = this.#calls.get(index);
    if (!call) {
      out += this.#closeText();
      const name = fragment.name ?? '';
      const custom = this.#custom.has(name);
      call = {
        outputIndex: this.#output.length,
        id: newItemId(custom ? 'ctc' : 'fc'),
        callId: fragment.id ?? newItemId('call'),
        name,
        arguments: '',
        custom,
      };
      this.#calls.set(index, call);
      out += this.#addItem(toolCallItem(call, 'in_progress'));
    }
    const args = fragment.arguments;
    if (args === undefined) return out;
    this.#generated.push(args);
    call.arguments += args;
    // A custom tool's input is one JSON string field: it is sent whole when the call is done.
    if (call.custom) return out;
    return (
      out +
      this.#emit('response.function_call_arguments.delta', {
        item_id: call.id,
        output_index: call.outputIndex,
        delta: args,
      })
    );
  }

  #closeReasoning(): string {
    const open = this.#reasoning;
    if (!open) return '';
    this.#reasoning = null;
    const item = reasoningItem(open.id, open.text);
    this.#output[open.outputIndex] = item;
    const at = { item_id: open.id, output_index: open.outputIndex, summary_index: 0 };
    return (
      this.#emit('response.reasoning_summary_text.done', { ...at, text: open.text }) +
      this.#emit('response.reasoning_summary_part.done', {
        ...at,
        part: { type: 'summary_text', text: open.text },
      }) +
      this.#emit('response.output_item.done', { output_index: open.outputIndex, item })
    );
  }

  #closeText(): string {
    let out = this.#closeReasoning();
    const open = this.#message;
    if (!open) return out;
    this.#message = null;
    const item = messageItem(open.id, open.text, 'completed');
    this.#output[open.outputIndex] = item;
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: 0 };
    out += this.#emit('response.output_text.done', { ...at, text: open.text, logprobs: [] });
    out += this.#emit('response.content_part.done', { ...at, part: outputTextPart(open.text) });
    return out + this.#emit('response.output_item.done', { output_index: open.outputIndex, item });
  }

  #closeCalls(): string {
    let out = '';
    for (const call of this.#calls.values()) {
      const item = toolCallItem(call, 'completed');
      this.#output[call.outputIndex] = item;
      out += call.custom
        ? this.#emit('response.custom_tool_call_input.done', {
            item_id: call.id,
            output_index: call.outputIndex,
            input: item['input'],
          })
        : this.#emit('response.function_call_arguments.done', {
            item_id: call.id,
            output_index: call.outputIndex,
            name: call.name,
            arguments: call.arguments,
          });
      out += this.#emit('response.output_item.done', { output_index: call.outputIndex, item });
    }
    this.#calls.clear();
    return out;
  }
}
