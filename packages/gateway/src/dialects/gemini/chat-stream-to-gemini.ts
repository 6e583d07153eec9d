import type { Json, StreamPart, TokenUsage } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamEncoder } from '../dialect.ts';
import { signatureField } from '../openai-chat/extra-content.ts';
import { chatErrorToGemini, renderGeminiStreamError } from './error.ts';
import {
  type ChatToGeminiOptions,
  candidate,
  chatToGemini,
  functionCallPart,
  geminiUsageOf,
  newResponseId,
  type ToolCall,
} from './from-chat-response.ts';
import { showsThoughts } from './generation-config.ts';
import { thoughtSignaturePart } from './thought-signatures.ts';
import { type ToolNames, toolNames } from './tool-names.ts';

interface StreamCall extends ToolCall {
  sent: boolean;
}

interface StreamChoice {
  index: number;
  text: string;
  reasoning: string;
  /** The text answer's thought signature, and whether a part has carried it yet. */
  signature: string | undefined;
  signatureSent: boolean;
  readonly calls: Map<number, StreamCall>;
  finishReason: unknown;
}

/**
 * The canonical lifecycle → Gemini's SSE stream (`data: <GenerateContentResponse>` per
 * event, no event names, no end sentinel), one event per upstream event.
 *
 * Text (and, if `includeThoughts`, reasoning as `thought: true` parts) goes out as it
 * arrives. Gemini sends function calls whole, so each call goes out as one `functionCall`
 * part with its thought signature when it ends (its arguments parse, or its choice
 * finishes). The finish reason waits for the end of the stream, since chat's usage
 * follows the finish: the last event carries `finishReason` and the whole `usageMetadata`,
 * on an empty text part — never beside other parts, as gemini-cli drops a chunk holding
 * an empty text part from history. A text answer's signature rides on the next text
 * part, else on that last one.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export class ChatToGeminiStream implements StreamEncoder {
  readonly #request: Json;
  readonly #options: ChatToGeminiOptions;
  readonly #names: ToolNames;
  readonly #thoughts: boolean;
  #id: string | undefined;
  #model = '';
  #usage: TokenUsage | null = null;
  #rawUsage: unknown;
  readonly #choices = new Map<number, StreamChoice>();
  #reasoningReported = false;

  constructor(request: Json, options: ChatToGeminiOptions = {}) {
    this.#request = request;
    this.#options = options;
    this.#names = toolNames(request);
    this.#thoughts = showsThoughts(request);
  }

  encode(parts: readonly StreamPart[]): string | null {
    let out = '';
    const batch = new Map<number, Json[]>();
    const partsOf = (choice: number): Json[] => {
      let list = batch.get(choice);
      if (!list) {
        list = [];
        batch.set(choice, list);
      }
      return list;
    };
    for (const part of parts) {
      switch (part.type) {
        case 'error':
          out += `data: ${JSON.stringify(chatErrorToGemini(part.error))}\n\n`;
          break;
        case 'usage':
          this.#usage = part.usage;
          this.#rawUsage = part.raw;
          break;
        case 'start':
          if (this.#id === undefined && part.id !== undefined) this.#id = part.id;
          if (part.model !== undefined) this.#model = part.model;
          this.#choice(part.choice);
          partsOf(part.choice);
          break;
        case 'reasoning-delta': {
          const state = this.#choice(part.choice);
          state.reasoning += part.text;
          if (this.#thoughts) partsOf(part.choice).push({ text: part.text, thought: true });
          break;
        }
        case 'text-signature': {
          const state = this.#choice(part.choice);
          state.signature = part.signature;
          state.signatureSent = false;
          partsOf(part.choice);
          break;
        }
        case 'text-delta':
          this.#choice(part.choice).text += part.text;
          partsOf(part.choice).push({ text: part.text });
          break;
        case 'tool-call-start':
          this.#callOf(part.choice, part.index, part.id, part.name);
          break;
        case 'tool-call-delta':
          this.#callOf(part.choice, part.index).arguments += part.arguments;
          break;
        case 'tool-call-end': {
          const call = this.#callOf(part.choice, part.index, part.id, part.name);
          call.signature = part.signature ?? call.signature;
          call.arguments = part.arguments;
          if (!call.sent) {
            call.sent = true;
            partsOf(part.choice).push(functionCallPart(call, this.#names));
          }
          break;
        }
        case 'finish':
          this.#choice(part.choice).finishReason = part.reason;
          partsOf(part.choice);
          break;
        default:
          break;
      }
    }
    const candidates = [...batch.entries()].flatMap(([choice, list]) => {
      const state = this.#choice(choice);
      // The text answer's signature rides on this event's last text part, if it has one.
      const lastText = list.findLast((part) => typeof part['text'] === 'string' && part['thought'] !== true);
      if (lastText && state.signature !== undefined && !state.signatureSent) {
        lastText['thoughtSignature'] = state.signature;
        state.signatureSent = true;
      }
      return list.length > 0 ? [{ content: { role: 'model', parts: list }, index: state.index }] : [];
    });
    if (candidates.length > 0) out += this.#emit({ candidates });
    return out || null;
  }

  /** Sends calls still held, then the last event: finish reasons and usage. */
  finish(): string {
    if (this.#choices.size === 0) this.#choice(0);
    const held = [...this.#choices.values()].flatMap((state) => {
      const parts = this.#flushCalls(state);
      return parts.length > 0 ? [{ content: { role: 'model', parts }, index: state.index }] : [];
    });
    const last = [...this.#choices.values()].map((state) => {
      const signature = state.signatureSent ? undefined : state.signature;
      return candidate([{ text: '', ...thoughtSignaturePart(signature) }], state.finishReason, state.index);
    });
    this.#reportReasoning();
    const out = held.length > 0 ? this.#emit({ candidates: held }) : '';
    return (
      out +
      this.#emit(
        this.#usage ? { candidates: last, usageMetadata: geminiUsageOf(this.#usage) } : { candidates: last },
      )
    );
  }

  /** The whole answer, built from what streamed as chatToGemini builds it from a completion. */
  assembled(): Json {
    this.#reportReasoning();
    const choices = [...this.#choices.values()].map((state) => ({
      index: state.index,
      message: {
        role: 'assistant',
        content: state.text.length > 0 ? state.text : null,
        reasoning_content: state.reasoning,
        tool_calls: [...state.calls.values()].map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
          ...signatureField(call.signature),
        })),
        ...signatureField(state.signature),
      },
      finish_reason: state.finishReason,
    }));
    const chat: Json = { id: this.#responseId(), model: this.#model, choices };
    if (this.#rawUsage !== undefined) chat['usage'] = this.#rawUsage;
    return chatToGemini(chat, this.#request);
  }

  renderError(error: GatewayError): string {
    return renderGeminiStreamError(error);
  }

  #responseId(): string {
    this.#id ??= newResponseId();
    return this.#id;
  }

  #emit(fields: Json): string {
    return `data: ${JSON.stringify({ ...fields, modelVersion: this.#model, responseId: this.#responseId() })}\n\n`;
  }

  #choice(index: number): StreamChoice {
    let state = this.#choices.get(index);
    if (!state) {
      state = {
        index,
        text: '',
        reasoning: '',
        signature: undefined,
        signatureSent: false,
        calls: new Map(),
        finishReason: null,
      };
      this.#choices.set(index, state);
    }
    return state;
  }

  #callOf(choice: number, index: number, id?: string, name?: string): StreamCall {
    const state = this.#choice(choice);
    let call = state.calls.get(index);
    if (!call) {
      call = { id: `call_${newResponseId()}`, name: '', arguments: '', signature: undefined, sent: false };
      state.calls.set(index, call);
    }
    if (id !== undefined) call.id = id;
    if (name !== undefined) call.name = name;
    return call;
  }

  /** Every call not yet sent, whole, in index order (broken arguments become `{}`). */
  #flushCalls(state: StreamChoice): Json[] {
    const held = [...state.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => call)
      .filter((call) => !call.sent);
    for (const call of held) call.sent = true;
    return held.map((call) => functionCallPart(call, this.#names));
  }

  #reportReasoning(): void {
    if (this.#reasoningReported) return;
    this.#reasoningReported = true;
    for (const state of this.#choices.values()) {
      if (state.reasoning.length === 0 || state.calls.size === 0) continue;
      this.#options.onReasoning?.(
        [...state.calls.values()].map((call) => call.id),
        state.reasoning,
      );
    }
  }
}
