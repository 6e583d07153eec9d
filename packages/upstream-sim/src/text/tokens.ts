import { decode, encode } from 'gpt-tokenizer';
import { TokenMemo } from './token-memo.ts';

// Real APIs treat `<|endoftext|>` and friends in user text as plain text, whereas gpt-tokenizer
// throws on special tokens by default.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

// Up to ~1M tokens per generation (a few MB of small integers), enough for a few long agent
// conversations at once.
const memo = new TokenMemo({ maxEntries: 8192, maxTokens: 1_000_000 });
const encodePlain = (text: string): number[] => encode(text, PLAIN_TEXT);
const NO_TOKENS: readonly number[] = [];

/**
 * o200k_base tokens, the encoding of every current OpenAI chat model. Shared between calls with
 * the same text (see token-memo.ts), hence read-only: copy before changing it. (Not frozen: V8
 * copies frozen arrays element by element.)
 */
export function tokenize(text: string): readonly number[] {
  return text === '' ? NO_TOKENS : memo.get(text, encodePlain);
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/**
 * Longest prefix of `text` that is at most `limit` tokens. Decoding a token prefix can end inside
 * a multi-byte character or re-merge differently, so it re-counts until it fits.
 */
export function truncateToTokens(text: string, limit: number): { text: string; tokens: number } {
  const tokens = tokenize(text);
  if (tokens.length <= limit) return { text, tokens: tokens.length };
  for (let keep = limit; keep > 0; keep -= 1) {
    const candidate = decode(tokens.slice(0, keep)).replace(/\uFFFD+$/, '');
    const count = countTokens(candidate);
    if (count <= limit) return { text: candidate, tokens: count };
  }
  return { text: '', tokens: 0 };
}
