/**
 * What a chat upstream attached to its tool calls that a client dialect cannot carry,
 * kept by tool-call id until the client replays those calls:
 * - reasoning text (DeepSeek-style thinking modes want it back on the turn that
 *   continues the calls; Anthropic clients could only replay it with a signature
 *   no one can verify);
 * - `extra_content` (Gemini 3 `thought_signature`s through Google's OpenAI-compatible
 *   endpoint, which rejects a replayed call without its signature).
 * Bounded and per replica.
 */
export class ToolCallStash {
  readonly #reasoning = new Map<string, string>();
  readonly #extra = new Map<string, Record<string, unknown>>();
  readonly #capacity: number;

  constructor(capacity = 20_000) {
    this.#capacity = capacity;
  }

  keepReasoning(toolCallIds: readonly string[], reasoning: string): void {
    for (const id of toolCallIds) this.#put(this.#reasoning, id, reasoning);
  }

  reasoningFor(toolCallId: string): string | undefined {
    return this.#reasoning.get(toolCallId);
  }

  keepExtra(toolCallId: string, extra: Record<string, unknown>): void {
    this.#put(this.#extra, toolCallId, extra);
  }

  extraFor(toolCallId: string): Record<string, unknown> | undefined {
    return this.#extra.get(toolCallId);
  }

  #put<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= this.#capacity) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, value);
  }
}
