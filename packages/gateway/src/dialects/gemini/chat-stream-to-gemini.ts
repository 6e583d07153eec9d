import type {
  ChatStreamEvent,
  ChoiceDelta,
  SseEvent,
  TokenUsage,
  ToolCallFragment,
} from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { signatureField } from '../openai-chat/extra-content.ts';
import { decodeChatEvent, settleChatEvent } from '../openai-chat/stream-events.ts';
import { chatErrorToGemini, renderGeminiStreamError } from './error.ts';
import {
  type ChatToGeminiOptions,
  candidate,
  chatToGemini,
  functionCallPart,
  geminiUsageOf,
  newResponseId,
  parseArguments,
  type ToolCall,
} from './from-chat-response.ts';
import { showsThoughts } from './generation-config.ts';
import { thoughtSignaturePart } from './thought-signatures.ts';
import { type ToolNames, toolNames } from './tool-names.ts';

type Json = Record<string, unknown>;

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

/** Arguments that parse to an object are finished: nothing valid can follow a closing brace. */
const isComplete = (args: string): boolean =>
  args.trimEnd().endsWith('}') && parseArguments(args) !== undefined;

/**
 * Chat Completions chunks → Gemini's SSE stream (`data: <GenerateContentResponse>`
 * per event, no event names, no end sentinel: gemini.md §4).
 *
 * Text (and, if `includeThoughts`, reasoning as `thought: true` parts) goes out as it
 * arrives. Gemini sends function calls whole, so each call's argument fragments are
 * kept until they parse as an object (or the choice finishes) and then sent as one
 * `functionCall` part with its thought signature. The finish reason waits for
 * `[DONE]`, since chat's usage chunk follows the finish chunk: the last event carries
 * `finishReason` and the whole `usageMetadata`, on an empty text part — never beside
 * other parts, as gemini-cli drops a chunk holding an empty text part from history.
 * A text answer's signature rides on the next text part, else on that last one.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class ChatToGeminiStream implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  readonly #request: Json;
  readonly #options: ChatToGeminiOptions;
  readonly #names: ToolNames;
  readonly #thoughts: boolean;
  #id: string | undefined;
  #model = '';
  #rawUsage: unknown;
  readonly #choices = new Map<number, StreamChoice>();
  readonly #generated: string[] = [];
  #reasoningReported = false;

  constructor(request: Json, options: ChatToGeminiOptions = {}) {
    this.#request = request;
    this.#options = options;
    this.#names = toolNames(request);
    this.#thoughts = showsThoughts(request);
  }

  observe(event: SseEvent): string | null {
    return this.consume(decodeChatEvent(event));
  }

  /** One event of the canonical stream, typed (a codec upstream's, or a decoded chat chunk). */
  consume(event: ChatStreamEvent | undefined): string | null {
    const read = settleChatEvent(event, this);
    if (!read) return null;
    if (read.type === 'error') return `data: ${JSON.stringify(chatErrorToGemini(read.error))}\n\n`;
    if (this.#id === undefined && read.id !== undefined) this.#id = read.id;
    if (read.model !== undefined) this.#model = read.model;
    if (read.usage) {
      this.usage = read.usage;
      this.#rawUsage = read.rawUsage;
    }
    const candidates = read.choices.flatMap((delta) => {
      const state = this.#choice(delta.choice);
      const parts = this.#choiceDelta(state, delta);
      return parts.length > 0 ? [{ content: { role: 'model', parts }, index: state.index }] : [];
    });
    return candidates.length > 0 ? this.#emit({ candidates }) : null;
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
        this.usage ? { candidates: last, usageMetadata: geminiUsageOf(this.usage) } : { candidates: last },
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

  generatedText(): string {
    return this.#generated.join('');
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

  #choiceDelta(state: StreamChoice, delta: ChoiceDelta): Json[] {
    const parts: Json[] = [];
    if (delta.reasoning !== undefined) {
      this.#generated.push(delta.reasoning);
      state.reasoning += delta.reasoning;
      if (this.#thoughts) parts.push({ text: delta.reasoning, thought: true });
    }
    if (delta.signature !== undefined) {
      state.signature = delta.signature;
      state.signatureSent = false;
    }
    for (const text of delta.texts) {
      this.#generated.push(text);
      state.text += text;
      parts.push({ text });
    }
    const lastText = parts.findLast((part) => part['thought'] !== true);
    if (lastText && state.signature !== undefined && !state.signatureSent) {
      lastText['thoughtSignature'] = state.signature;
      state.signatureSent = true;
    }
    for (const fragment of delta.toolCalls) {
      const call = this.#callDelta(state, fragment);
      if (!call.sent && call.name.length > 0 && isComplete(call.arguments)) {
        call.sent = true;
        parts.push(functionCallPart(call, this.#names));
      }
    }
    if (delta.finishReason !== undefined) {
      state.finishReason = delta.finishReason;
      parts.push(...this.#flushCalls(state));
    }
    return parts;
  }

  #callDelta(state: StreamChoice, fragment: ToolCallFragment): StreamCall {
    const index = slotOf(state, fragment);
    let call = state.calls.get(index);
    if (!call) {
      call = { id: `call_${newResponseId()}`, name: '', arguments: '', signature: undefined, sent: false };
      state.calls.set(index, call);
    }
    if (fragment.id !== undefined) call.id = fragment.id;
    if (fragment.name !== undefined) call.name = fragment.name;
    call.signature = fragment.signature ?? call.signature;
    if (fragment.arguments !== undefined) {
      this.#generated.push(fragment.arguments);
      call.arguments += fragment.arguments;
    }
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

/**
 * A fragment's call: by `index`, as chat specifies. Google's OpenAI-compatible endpoint
 * omits `index` and may split arguments across such deltas: there a known `id` finds
 * its call, a new id or a `name` opens the next slot, and anything else continues the
 * latest call.
 */
function slotOf(state: StreamChoice, fragment: ToolCallFragment): number {
  if (fragment.index !== undefined) return fragment.index;
  const slots = [...state.calls.keys()];
  const latest = slots.length > 0 ? Math.max(...slots) : -1;
  if (fragment.id !== undefined) {
    const known = [...state.calls.entries()].find(([, call]) => call.id === fragment.id);
    return known ? known[0] : latest + 1;
  }
  if (fragment.name !== undefined) return latest + 1;
  return Math.max(latest, 0);
}
