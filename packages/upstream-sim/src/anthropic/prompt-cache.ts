import { createHash } from 'node:crypto';
import type { PromptLayout } from './prompt-tokens.ts';
import type { CacheTtl } from './types.ts';

const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
/** How many blocks before a breakpoint the API checks for an earlier cache entry. */
const LOOKBACK_BLOCKS = 20;

/**
 * Shortest cacheable prefix: 1024 tokens for Sonnet and Opus, 2048 for Haiku; shorter breakpoints
 * are silently not cached.
 * @see https://docs.claude.com/en/docs/build-with-claude/prompt-caching#cache-limitations
 */
export function minCacheableTokens(model: string): number {
  return /haiku/i.test(model) ? 2048 : 1024;
}

export interface CacheUsage {
  readTokens: number;
  creation5m: number;
  creation1h: number;
}

interface Entry {
  expiresAt: number;
  ttlMs: number;
}

/**
 * Anthropic's explicit prompt caching. Each `cache_control` breakpoint names a prefix (tools,
 * system, messages up to that block). A request reads the longest prefix already cached, found at
 * a breakpoint or up to 20 blocks before one, and writes every breakpoint prefix past that. So on
 * the first request a long prefix is `cache_creation_input_tokens`, on the next
 * `cache_read_input_tokens`, and `input_tokens` is what lies after the last cached position.
 * Entries live 5 minutes (or 1 hour with `ttl: "1h"`) from their last use, scoped by API key and model.
 * @see https://docs.claude.com/en/docs/build-with-claude/prompt-caching
 */
export class AnthropicPromptCache {
  readonly #maxEntries: number;
  /** prefix hash → entry; Map order doubles as least-recently-used order. */
  #entries = new Map<string, Entry>();

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 200_000;
  }

  lookupAndStore(scope: string, layout: PromptLayout, minTokens: number): CacheUsage {
    const now = Date.now();
    const { ends, keys } = prefixKeys(scope, layout);
    const breakpoints = layout.segments.flatMap((segment, index) => (segment.cache ? [index] : []));
    let hit = -1;
    for (const breakpoint of breakpoints) {
      for (let index = breakpoint; index >= 0 && index > breakpoint - LOOKBACK_BLOCKS; index -= 1) {
        if (this.#live(keys[index], now)) {
          hit = Math.max(hit, index);
          break;
        }
      }
    }
    const readTokens = hit >= 0 ? (ends[hit] ?? 0) : 0;
    if (hit >= 0) this.#touch(keys[hit], undefined, now);
    const usage: CacheUsage = { readTokens, creation5m: 0, creation1h: 0 };
    let covered = readTokens;
    for (const breakpoint of breakpoints) {
      const end = ends[breakpoint] ?? 0;
      const ttl = layout.segments[breakpoint]?.cache ?? '5m';
      if (end < minTokens) continue;
      if (end > covered) {
        if (ttl === '1h') usage.creation1h += end - covered;
        else usage.creation5m += end - covered;
        covered = end;
      }
      this.#touch(keys[breakpoint], TTL_MS[ttl], now);
    }
    this.#evict();
    return usage;
  }

  clear(): void {
    this.#entries.clear();
  }

  #live(key: string | undefined, now: number): boolean {
    const entry = key === undefined ? undefined : this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > now;
  }

  /** (Re)stores an entry; a read refreshes it for its own TTL, a write keeps the longer TTL. */
  #touch(key: string | undefined, ttlMs: number | undefined, now: number): void {
    if (key === undefined) return;
    const previous = this.#entries.get(key);
    const live = previous && previous.expiresAt > now ? previous.ttlMs : 0;
    const keep = Math.max(live, ttlMs ?? 0) || TTL_MS['5m'];
    this.#entries.delete(key);
    this.#entries.set(key, { expiresAt: now + keep, ttlMs: keep });
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}

/** Running hash of the prompt, taken at the end of every segment: one key per cacheable prefix. */
function prefixKeys(scope: string, layout: PromptLayout): { ends: number[]; keys: string[] } {
  const hash = createHash('sha256').update(scope).update('\0');
  const ends: number[] = [];
  const keys: string[] = [];
  let end = 0;
  for (const segment of layout.segments) {
    if (segment.salt !== undefined) hash.update(`\0${segment.salt}\0`);
    hash.update(Buffer.from(Uint32Array.from(segment.tokens).buffer));
    end += segment.tokens.length;
    ends.push(end);
    keys.push(hash.copy().digest('base64'));
  }
  return { ends, keys };
}
