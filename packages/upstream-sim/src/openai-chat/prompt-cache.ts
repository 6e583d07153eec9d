import { createHash } from 'node:crypto';

const MIN_CACHED_TOKENS = 1024;
const CACHE_INCREMENT = 128;

export interface PromptCacheOptions {
  /** Idle time before a prefix is evicted; OpenAI keeps prefixes 5–10 minutes. */
  ttlMs?: number;
  /** Bound on stored prefixes so long benchmarks cannot grow memory without limit. */
  maxEntries?: number;
}

/**
 * OpenAI's automatic prompt caching: prompts of 1024+ tokens are cached, and a later request
 * reuses the longest previously seen prefix in 128-token steps (1024, 1152, 1280, …).
 * Prefixes are hashed per scope (API key + model) at each step boundary.
 * @see https://platform.openai.com/docs/guides/prompt-caching
 */
export class PromptCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** prefix hash → expiry time; Map order doubles as least-recently-used order. */
  #entries = new Map<string, number>();

  constructor(options: PromptCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#maxEntries = options.maxEntries ?? 200_000;
  }

  /** Returns how many leading tokens were cached, then remembers this prompt's prefixes. */
  lookupAndStore(scope: string, tokens: readonly number[]): number {
    if (tokens.length < MIN_CACHED_TOKENS) return 0;
    const now = Date.now();
    const keys = prefixKeys(scope, tokens);
    let cached = 0;
    keys.forEach((key, index) => {
      const expiresAt = this.#entries.get(key);
      if (expiresAt !== undefined && expiresAt > now) cached = MIN_CACHED_TOKENS + index * CACHE_INCREMENT;
    });
    for (const key of keys) {
      this.#entries.delete(key);
      this.#entries.set(key, now + this.#ttlMs);
    }
    this.#evict();
    return cached;
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}

/** One hash per cacheable prefix length, computed in a single pass over the tokens. */
function prefixKeys(scope: string, tokens: readonly number[]): string[] {
  const bytes = Buffer.from(Uint32Array.from(tokens).buffer);
  const hash = createHash('sha256').update(scope).update('\0');
  const keys: string[] = [];
  let hashedTokens = 0;
  for (let boundary = MIN_CACHED_TOKENS; boundary <= tokens.length; boundary += CACHE_INCREMENT) {
    hash.update(bytes.subarray(hashedTokens * 4, boundary * 4));
    hashedTokens = boundary;
    keys.push(hash.copy().digest('base64'));
  }
  return keys;
}
