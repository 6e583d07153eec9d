/**
 * Watches a streamed body for a marker (its last event) as the chunks come, wherever the chunks
 * split it, without keeping the stream: only references to its last chunks, enough for the last
 * `keepBytes` bytes (the failure description). No chunk is copied unless it is shorter than the
 * marker.
 */
export class StreamScanner {
  readonly #marker: Buffer;
  readonly #keepBytes: number;
  /** The stream's last chunks, oldest first, holding at least its last `keepBytes` bytes. */
  #recent: Buffer[] = [];
  #recentBytes = 0;
  #found = false;

  constructor(marker: Buffer, keepBytes: number) {
    if (marker.length === 0) throw new Error('an empty marker');
    this.#marker = marker;
    this.#keepBytes = Math.max(keepBytes, marker.length);
  }

  /** Whether the marker has been seen. */
  get found(): boolean {
    return this.#found;
  }

  reset(): void {
    this.#recent = [];
    this.#recentBytes = 0;
    this.#found = false;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (!this.#found) this.#found = chunk.includes(this.#marker) || this.#straddles(chunk);
    this.#recent.push(chunk);
    this.#recentBytes += chunk.length;
    while (this.#recent.length > 1 && this.#recentBytes - this.#recent[0]!.length >= this.#keepBytes)
      this.#recentBytes -= this.#recent.shift()!.length;
  }

  /** The stream's last bytes (up to `keepBytes`). */
  tail(): Buffer {
    const joined = this.#recent.length === 1 ? this.#recent[0]! : Buffer.concat(this.#recent);
    return joined.subarray(Math.max(0, joined.length - this.#keepBytes));
  }

  /** Whether the marker starts in the earlier chunks and ends in `chunk`. */
  #straddles(chunk: Buffer): boolean {
    if (this.#recentBytes === 0) return false;
    const marker = this.#marker;
    // A chunk shorter than the marker: the rare case, checked on a copy of the last bytes.
    if (chunk.length < marker.length) {
      const window = Buffer.concat([this.tail(), chunk]);
      return window.includes(marker, Math.max(0, window.length - chunk.length - marker.length + 1));
    }
    // `split` bytes of the marker at the end of the earlier chunks, the rest at the start of this one.
    for (let split = Math.min(marker.length - 1, this.#recentBytes); split >= 1; split -= 1) {
      if (chunk[0] !== marker[split]) continue;
      if (chunk.compare(marker, split, marker.length, 0, marker.length - split) !== 0) continue;
      if (this.#endsWith(marker, split)) return true;
    }
    return false;
  }

  /** Whether the earlier chunks end with `bytes[0, count)`. */
  #endsWith(bytes: Buffer, count: number): boolean {
    let wanted = count - 1;
    for (let index = this.#recent.length - 1; index >= 0 && wanted >= 0; index -= 1) {
      const piece = this.#recent[index]!;
      for (let position = piece.length - 1; position >= 0 && wanted >= 0; position -= 1, wanted -= 1)
        if (piece[position] !== bytes[wanted]) return false;
    }
    return wanted < 0;
  }
}
