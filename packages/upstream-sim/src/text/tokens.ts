import { decode, encode } from 'gpt-tokenizer';

// Real APIs treat `<|endoftext|>` and friends in user text as plain text, whereas gpt-tokenizer
// throws on special tokens by default.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** o200k_base tokens, the encoding of every current OpenAI chat model. */
export function tokenize(text: string): number[] {
  return text === '' ? [] : encode(text, PLAIN_TEXT);
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
