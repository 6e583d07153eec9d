import { monitorEventLoopDelay } from 'node:perf_hooks';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countMessageTokens, countTextTokens, exactLimitChars } from './count-tokens.ts';

function randomLetters(length: number, seed = 7): string {
  let state = seed;
  let out = '';
  for (let index = 0; index < length; index++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    out += String.fromCharCode(97 + (state % 26));
  }
  return out;
}

/** Runs `work` and reports the longest the event loop was held meanwhile (ms). */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  await work();
  histogram.disable();
  return histogram.max / 1e6;
}

describe('countTextTokens: bounded in time and size, never freezing the event loop', () => {
  it('counts ordinary text exactly, as the o200k tokenizer does', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
    expect(await countTextTokens(text)).toBe(countTokens(text));
    expect(await countTextTokens('')).toBe(0);
  });

  it('150 KB of random letters: counted without holding the event loop', async () => {
    const text = randomLetters(150_000);
    let count = 0;
    const started = performance.now();
    const stall = await longestStall(async () => {
      count = await countTextTokens(text);
    });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(stall).toBeLessThan(250);
    // Random letters are about half a token per letter.
    expect(count).toBeGreaterThan(text.length * 0.35);
    expect(count).toBeLessThan(text.length * 0.7);
  });

  it('10 MB of one letter: an estimate, quickly, never above the byte length', async () => {
    const text = 'a'.repeat(10 * 1024 * 1024);
    let count = 0;
    const started = performance.now();
    const stall = await longestStall(async () => {
      count = await countTextTokens(text);
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(stall).toBeLessThan(250);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(text.length);
    // o200k packs runs of one letter at ~8 letters a token.
    expect(count).toBeGreaterThan(text.length / 16);
  });

  it('estimates long prose within a few percent of the exact count', async () => {
    const text = 'Hypereal routes every request to the best upstream it can find, and bills it. '.repeat(
      20_000,
    );
    expect(text.length).toBeGreaterThan(exactLimitChars);
    const exact = countTokens(text);
    const estimated = await countTextTokens(text);
    expect(Math.abs(estimated - exact) / exact).toBeLessThan(0.05);
  });

  it('chat messages: bounded too, with framing per message', async () => {
    expect(await countMessageTokens([{ role: 'user', content: 'hi' }])).toBe(3 + 3 + countTokens('user\nhi'));
    const huge = [{ role: 'user', content: randomLetters(200_000) }];
    const stall = await longestStall(() => countMessageTokens(huge));
    expect(stall).toBeLessThan(250);
  });
});
