import { hashText } from '../text/seeded-random.ts';
import { TokenSequence } from '../text/token-sequence.ts';

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
  lookupAndStore(scope: string, tokens: readonly number[] | TokenSequence): number {
    if (tokens.length < MIN_CACHED_TOKENS) return 0;
    const now = Date.now();
    const keys = prefixKeys(
      scope,
      tokens instanceof TokenSequence ? tokens.toUint32Array() : Uint32Array.from(tokens),
    );
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

/**
 * One key per cacheable prefix length, in a single pass over the tokens: two independent 32-bit
 * FNV-1a-style lanes over the token ids, seeded by the scope, so keys of different prefixes or
 * scopes collide with odds of about 2^-64. (A cryptographic hash per 128-token step cost more than
 * the rest of a long call together; nobody attacks a simulator's cache.)
 */
function prefixKeys(scope: string, tokens: Uint32Array): string[] {
  let low = hashText(scope);
  let high = hashText(`${scope}\0prefix`) ^ 0x9e3779b9;
  const keys: string[] = [];
  let boundary = MIN_CACHED_TOKENS;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as number;
    low = Math.imul(low ^ token, 0x01000193);
    high = Math.imul(high ^ token, 0x5bd1e995);
    high ^= high >>> 15;
    if (index + 1 === boundary) {
      keys.push(`${(low >>> 0).toString(36)}.${(high >>> 0).toString(36)}`);
      boundary += CACHE_INCREMENT;
    }
  }
  return keys;
}
