import type { Json, StreamPart, TokenUsage } from '../contracts/index.ts';

/** One fragment of a tool call as a format streams it; every field may be missing. */
export interface ToolCallPiece {
  /** The call's slot; Google's OpenAI-compatible endpoint omits it (see `slotOf`). */
  index?: number | undefined;
  id?: string | undefined;
  name?: string | undefined;
  arguments?: string | undefined;
  signature?: string | undefined;
  extra?: Json | undefined;
}

interface CallState {
  index: number;
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  signature: string | undefined;
  extra: Json | undefined;
  ended: boolean;
}

interface ChoiceState {
  open: 'text' | 'reasoning' | null;
  readonly calls: Map<number, CallState>;
  finished: boolean;
}

/** Arguments that parse to an object are finished: nothing valid can follow a closing brace. */
export function isCompleteArguments(args: string): boolean {
  if (!args.trimEnd().endsWith('}')) return false;
  try {
    const value: unknown = JSON.parse(args);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Writes the canonical stream's lifecycle from what a decoder reads, so every decoder gets
 * the same rules: a choice starts once; text and reasoning open and close each other; a tool
 * call opens on its first fragment (closing the text), is assembled by slot, and ends once —
 * when its arguments parse as an object, or its choice finishes or the stream ends; a finish
 * closes everything its choice has open first. Parts accumulate until `take()`.
 */
export class LifecycleWriter {
  /** The answer's id and model as the upstream named them, stamped on each `start`. */
  id: string | undefined;
  model: string | undefined;
  readonly #choices = new Map<number, ChoiceState>();
  #parts: StreamPart[] = [];

  /** The parts written since the last call. */
  take(): StreamPart[] {
    const parts = this.#parts;
    this.#parts = [];
    return parts;
  }

  /** Starts `choice` if it has not started yet. */
  start(choice: number): void {
    this.#start(choice);
  }

  #start(choice: number): ChoiceState {
    let state = this.#choices.get(choice);
    if (!state) {
      state = { open: null, calls: new Map(), finished: false };
      this.#choices.set(choice, state);
      this.#parts.push({ type: 'start', choice, id: this.id, model: this.model });
    }
    return state;
  }

  get started(): boolean {
    return this.#choices.size > 0;
  }

  text(choice: number, text: string): void {
    if (text.length === 0) return;
    const state = this.#start(choice);
    if (state.open !== 'text') {
      this.#closeOpen(choice, state);
      state.open = 'text';
      this.#parts.push({ type: 'text-start', choice });
    }
    this.#parts.push({ type: 'text-delta', choice, text });
  }

  reasoning(choice: number, text: string): void {
    if (text.length === 0) return;
    const state = this.#start(choice);
    if (state.open !== 'reasoning') {
      this.#closeOpen(choice, state);
      state.open = 'reasoning';
      this.#parts.push({ type: 'reasoning-start', choice });
    }
    this.#parts.push({ type: 'reasoning-delta', choice, text });
  }

  /** Closes the open text or reasoning block of `choice` (a format's explicit block stop). */
  closeBlock(choice: number, signature?: string): void {
    const state = this.#choices.get(choice);
    if (state) this.#closeOpen(choice, state, signature);
  }

  textSignature(choice: number, signature: string): void {
    this.#start(choice);
    this.#parts.push({ type: 'text-signature', choice, signature });
  }

  /** One fragment of a call: opens it (closing text or reasoning), streams its arguments, ends it once whole. */
  toolCall(choice: number, piece: ToolCallPiece): void {
    const state = this.#start(choice);
    const index = slotOf(state.calls, piece);
    let call = state.calls.get(index);
    if (!call) {
      this.#closeOpen(choice, state);
      call = {
        index,
        id: piece.id,
        name: piece.name,
        arguments: '',
        signature: undefined,
        extra: undefined,
        ended: false,
      };
      state.calls.set(index, call);
      this.#parts.push({
        type: 'tool-call-start',
        choice,
        index,
        id: piece.id,
        name: piece.name,
        extra: piece.extra,
      });
    }
    if (call.ended) return; // nothing valid follows a whole call
    if (piece.id !== undefined) call.id = piece.id;
    if (piece.name !== undefined && call.name === undefined) call.name = piece.name;
    if (piece.signature !== undefined) call.signature = piece.signature;
    if (piece.extra !== undefined) call.extra = piece.extra;
    const args = piece.arguments;
    if (args !== undefined && args.length > 0) {
      call.arguments += args;
      this.#parts.push({ type: 'tool-call-delta', choice, index, arguments: args });
      if (isCompleteArguments(call.arguments)) this.#endCall(choice, call);
    }
  }

  /** Ends the call at `index` (a format's explicit block stop). */
  endToolCall(choice: number, index: number): void {
    const call = this.#choices.get(choice)?.calls.get(index);
    if (call) this.#endCall(choice, call);
  }

  /** The choice ended: what it has open closes (calls in slot order), then `finish`. */
  finish(choice: number, reason: string, matchedStop: unknown = undefined): void {
    const state = this.#start(choice);
    this.#closeAll(choice, state);
    state.finished = true;
    this.#parts.push({ type: 'finish', choice, reason, matchedStop });
  }

  usage(usage: TokenUsage, raw: unknown): void {
    this.#parts.push({ type: 'usage', usage, raw });
  }

  error(error: Json): void {
    this.#parts.push({ type: 'error', error });
  }

  /** The stream ended: every choice still open is closed (without a finish), then `done`. */
  done(): void {
    this.closeAll();
    this.#parts.push({ type: 'done' });
  }

  /** Closes every choice that has not finished (the stream ended). */
  closeAll(): void {
    for (const [choice, state] of this.#choices) if (!state.finished) this.#closeAll(choice, state);
  }

  #closeAll(choice: number, state: ChoiceState): void {
    this.#closeOpen(choice, state);
    const calls = [...state.calls.values()].sort((a, b) => a.index - b.index);
    for (const call of calls) this.#endCall(choice, call);
  }

  #closeOpen(choice: number, state: ChoiceState, signature?: string): void {
    if (state.open === 'text') this.#parts.push({ type: 'text-end', choice });
    if (state.open === 'reasoning') this.#parts.push({ type: 'reasoning-end', choice, signature });
    state.open = null;
  }

  #endCall(choice: number, call: CallState): void {
    if (call.ended) return;
    call.ended = true;
    this.#parts.push({
      type: 'tool-call-end',
      choice,
      index: call.index,
      id: call.id,
      name: call.name,
      arguments: call.arguments,
      signature: call.signature,
      extra: call.extra,
    });
  }
}

/**
 * A fragment's slot: its `index`, as chat specifies. Google's OpenAI-compatible endpoint
 * omits `index` and may split arguments across such deltas: there a known `id` finds its
 * call, a new id or a `name` opens the next slot, and anything else continues the latest.
 */
function slotOf(calls: Map<number, CallState>, piece: ToolCallPiece): number {
  if (piece.index !== undefined) return piece.index;
  const slots = [...calls.keys()];
  const latest = slots.length > 0 ? Math.max(...slots) : -1;
  if (piece.id !== undefined) {
    const known = [...calls.values()].find((call) => call.id === piece.id);
    return known ? known.index : latest + 1;
  }
  if (piece.name !== undefined) return latest + 1;
  return Math.max(latest, 0);
}
