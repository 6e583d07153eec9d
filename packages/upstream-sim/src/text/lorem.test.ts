import { describe, expect, it } from 'vitest';
import { loremTokens } from './lorem.ts';
import { countTokens, truncateToTokens } from './tokens.ts';

describe('loremTokens', () => {
  it('produces exactly the requested number of tokens', () => {
    for (const count of [1, 2, 3, 7, 30, 31, 128, 1000]) {
      expect(countTokens(loremTokens(count, count * 7))).toBe(count);
    }
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(loremTokens(40, 1)).toBe(loremTokens(40, 1));
    expect(loremTokens(40, 1)).not.toBe(loremTokens(40, 2));
  });

  it('reads like sentences', () => {
    const text = loremTokens(30, 5);
    expect(text).toMatch(/^[A-Z][a-z]+ /);
    expect(text.endsWith('.')).toBe(true);
  });

  it('keeps exact counts when a prefix is cut by tokens', () => {
    const text = loremTokens(100, 9);
    const cut = truncateToTokens(text, 17);
    expect(cut.tokens).toBe(17);
    expect(countTokens(cut.text)).toBe(17);
    expect(text.startsWith(cut.text)).toBe(true);
  });
});

describe('truncateToTokens', () => {
  it('never ends inside a multi-byte character', () => {
    const cut = truncateToTokens('日本語のテキストです。'.repeat(5), 5);
    expect(cut.text).not.toContain('\uFFFD');
    expect(countTokens(cut.text)).toBe(cut.tokens);
    expect(cut.tokens).toBeLessThanOrEqual(5);
  });
});
