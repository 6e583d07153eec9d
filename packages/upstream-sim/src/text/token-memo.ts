/**
 * A bounded memo of text → tokens. Clients resend the same system prompt, tool definitions and
 * earlier turns on every call of a conversation (and a benchmark the same body thousands of
 * times), and byte-pair encoding them again was the simulator's largest own cost per call.
 * Two generations: entries live in `current` until it is full, then it becomes `previous` (whose
 * hits are moved back), so memory stays bounded without per-hit bookkeeping.
 */
export class TokenMemo {
  readonly #maxEntries: number;
  readonly #maxTokens: number;
  #current = new Map<string, readonly number[]>();
  #previous = new Map<string, readonly number[]>();
  #currentTokens = 0;

  constructor(options: { maxEntries: number; maxTokens: number }) {
    this.#maxEntries = options.maxEntries;
    this.#maxTokens = options.maxTokens;
  }

  get(text: string, compute: (text: string) => number[]): readonly number[] {
    const hit = this.#current.get(text);
    if (hit !== undefined) return hit;
    const old = this.#previous.get(text);
    const tokens = old ?? compute(text);
    // A text bigger than a whole generation is not kept: it would evict everything else.
    if (tokens.length <= this.#maxTokens) {
      if (this.#current.size >= this.#maxEntries || this.#currentTokens + tokens.length > this.#maxTokens) {
        this.#previous = this.#current;
        this.#current = new Map();
        this.#currentTokens = 0;
      }
      this.#current.set(text, tokens);
      this.#currentTokens += tokens.length;
    }
    return tokens;
  }

  clear(): void {
    this.#current.clear();
    this.#previous.clear();
    this.#currentTokens = 0;
  }
}
