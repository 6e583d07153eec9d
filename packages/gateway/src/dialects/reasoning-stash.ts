/**
 * Reasoning text a chat upstream produced alongside tool calls, kept by tool-call id.
 * Anthropic clients never see it (it would need a signature they cannot get), yet
 * DeepSeek-style thinking modes require it back on the turn that continues those
 * calls; the gateway returns it when the client replays the calls. Bounded, per replica.
 */
export class ReasoningStash {
  readonly #byCall = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = 20_000) {
    this.#capacity = capacity;
  }

  keep(toolCallIds: readonly string[], reasoning: string): void {
    for (const id of toolCallIds) {
      if (this.#byCall.size >= this.#capacity) {
        const oldest = this.#byCall.keys().next().value;
        if (oldest !== undefined) this.#byCall.delete(oldest);
      }
      this.#byCall.set(id, reasoning);
    }
  }

  forCall(toolCallId: string): string | undefined {
    return this.#byCall.get(toolCallId);
  }
}
