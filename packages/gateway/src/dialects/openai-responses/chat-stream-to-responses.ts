import type { Json, StreamPart, TokenUsage } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamEncoder } from '../dialect.ts';
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
 * The canonical lifecycle → the Responses event sequence, as openai-node and Codex
 * expect it: created, in_progress, then per output item added → deltas → done, and
 * a terminal response.completed (or .incomplete) carrying the whole response and
 * usage. Items are append-only and every event has the next sequence_number; tool-call
 * items stay open until the answer finishes. Reasoning (DeepSeek's `reasoning_content`,
 * Qwen…) becomes a reasoning summary: it is the only visible reasoning there is.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ChatToResponsesStream implements StreamEncoder {
  readonly #request: Json;
  readonly #custom: Set<string>;
  readonly #id = newItemId('resp');
  readonly #createdAt = Math.floor(Date.now() / 1000);
  #model: string;
  #usage: TokenUsage | null = null;
  #sequence = 0;
  #started = false;
  readonly #output: Json[] = [];
  #reasoning: OpenText | null = null;
  #message: OpenText | null = null;
  readonly #calls = new Map<number, OpenCall>();
  #finishReason: unknown = null;

  constructor(request: Json) {
    this.#request = request;
    this.#custom = customToolNames(request);
    this.#model = String(request['model'] ?? '');
  }

  encode(parts: readonly StreamPart[]): string | null {
    let out = '';
    for (const part of parts) out += this.#part(part);
    return out || null;
  }

  #part(part: StreamPart): string {
    switch (part.type) {
      case 'error': {
        const { error } = part;
        return this.#emit('error', {
          code: error['code'] ?? 'server_error',
          message: String(error['message'] ?? 'upstream error'),
          param: null,
        });
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
    // A response has one answer: the first choice.
    if (part.choice !== 0) return '';
    switch (part.type) {
      case 'reasoning-delta':
        return this.#reasoningDelta(part.text);
      case 'reasoning-end':
        return this.#closeReasoning();
      case 'text-delta':
        return this.#textDelta(part.text);
      case 'text-end':
        return this.#closeText();
      case 'tool-call-start':
        return this.#newCall(part);
      case 'tool-call-delta':
        return this.#toolCallDelta(part.index, part.arguments);
      case 'finish':
        this.#finishReason = part.reason;
        return this.#closeText() + this.#closeCalls();
      default:
        return '';
    }
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
      usage: this.#usage ? responsesUsageOf(this.#usage) : null,
    });
  }

  renderError(error: GatewayError): string {
    return this.#emit('error', { code: error.code, message: error.message, param: null });
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

  #newCall(part: Extract<StreamPart, { type: 'tool-call-start' }>): string {
    const out = this.#closeText();
    const name = part.name ?? '';
    const custom = this.#custom.has(name);
    const call: OpenCall = {
      outputIndex: this.#output.length,
      id: newItemId(custom ? 'ctc' : 'fc'),
      callId: part.id ?? newItemId('call'),
      name,
      arguments: '',
      custom,
    };
    this.#calls.set(part.index, call);
    return out + this.#addItem(toolCallItem(call, 'in_progress'));
  }

  #toolCallDelta(index: number, args: string): string {
    const call = this.#calls.get(index);
    if (!call) return '';
    call.arguments += args;
    // A custom tool's input is one JSON string field: it is sent whole when the call is done.
    if (call.custom) return '';
    return this.#emit('response.function_call_arguments.delta', {
      item_id: call.id,
      output_index: call.outputIndex,
      delta: args,
    });
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
