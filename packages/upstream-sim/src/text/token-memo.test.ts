import { encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { TokenMemo } from './token-memo.ts';
import { countTokens, tokenize } from './tokens.ts';

describe('TokenMemo', () => {
  it('encodes each text once while it is kept, and again once it has been evicted', () => {
    const encoded: string[] = [];
    const compute = (text: string): number[] => {
      encoded.push(text);
      return encode(text);
    };
    const memo = new TokenMemo({ maxEntries: 2, maxTokens: 1_000 });
    expect(memo.get('alpha beta', compute)).toEqual(encode('alpha beta'));
    expect(memo.get('alpha beta', compute)).toEqual(encode('alpha beta'));
    expect(encoded).toEqual(['alpha beta']);
    // Two more texts fill a generation; the first survives one more in the previous one.
    memo.get('gamma', compute);
    memo.get('delta', compute);
    memo.get('epsilon', compute);
    memo.get('zeta', compute);
    memo.get('eta', compute);
    memo.get('alpha beta', compute);
    expect(encoded.filter((text) => text === 'alpha beta')).toHaveLength(2);
  });

  it('does not keep a text longer than a whole generation', () => {
    let calls = 0;
    const memo = new TokenMemo({ maxEntries: 10, maxTokens: 5 });
    const long = 'one two three four five six seven';
    for (let round = 0; round < 3; round++) {
      memo.get(long, (text) => {
        calls += 1;
        return encode(text);
      });
    }
    expect(calls).toBe(3);
  });
});

describe('tokenize', () => {
  it('gives the tokenizer tokens, the same array for the same text', () => {
    const text = 'The quick brown fox <|endoftext|> jumps';
    expect(tokenize(text)).toEqual(encode(text, { disallowedSpecial: new Set() }));
    expect(tokenize(text)).toBe(tokenize(`${text}`));
    expect(countTokens(text)).toBe(tokenize(text).length);
    expect(tokenize('')).toEqual([]);
  });
});
