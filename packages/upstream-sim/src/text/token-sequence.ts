/**
 * A prompt's tokens as the pieces it was assembled from (the memoised tokens of each message,
 * the format's marker tokens). Copying a long prompt into one array token by token was most of
 * its cost; only the prompt cache reads the tokens themselves, and only for long prompts.
 */
export class TokenSequence {
  readonly #pieces: (readonly number[])[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Keeps a reference: `tokens` must not change afterwards. */
  append(tokens: readonly number[]): void {
    if (tokens.length === 0) return;
    this.#pieces.push(tokens);
    this.#length += tokens.length;
  }

  toUint32Array(): Uint32Array {
    const out = new Uint32Array(this.#length);
    let at = 0;
    for (const piece of this.#pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
}
