import { describe, expect, it } from 'vitest';
import { StreamScanner } from '../../bench/stream-scanner.ts';

const marker = Buffer.from('data: [DONE]');

/** Feeds `text` to a fresh scanner in pieces cut at `cuts`. */
function scan(text: string, cuts: readonly number[], keepBytes = 256): StreamScanner {
  const scanner = new StreamScanner(marker, keepBytes);
  const bytes = Buffer.from(text);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(bytes.subarray(from, cut));
    from = cut;
  }
  return scanner;
}

const stream = `${'data: {"choices":[{"delta":{"content":"word"}}]}\n\n'.repeat(5)}data: [DONE]\n\n`;
const markerAt = stream.indexOf('data: [DONE]');

describe('StreamScanner', () => {
  it('finds the marker in one chunk and split in two at every offset', () => {
    expect(scan(stream, []).found).toBe(true);
    for (let cut = 0; cut <= stream.length; cut += 1)
      expect(scan(stream, [cut]).found, `cut ${cut}`).toBe(true);
  });

  it('finds the marker spread over three chunks, the middle one shorter than the marker', () => {
    for (let first = markerAt; first < markerAt + marker.length; first += 1) {
      for (let second = first + 1; second <= markerAt + marker.length; second += 1) {
        expect(scan(stream, [first, second]).found, `cuts ${first}, ${second}`).toBe(true);
      }
    }
    // Byte by byte.
    expect(
      scan(
        stream,
        Array.from({ length: stream.length }, (_, index) => index),
      ).found,
    ).toBe(true);
  });

  it('does not find a marker that is not there, however the stream is cut', () => {
    const cutShort = stream.slice(0, markerAt) + 'data: [DON';
    const nearMiss = `${stream.slice(0, markerAt)}data: [DONE}\n\ndata: DONE]\n\n`;
    for (const text of [cutShort, nearMiss]) {
      for (let cut = 0; cut <= text.length; cut += 1) expect(scan(text, [cut]).found).toBe(false);
      expect(
        scan(
          text,
          Array.from({ length: text.length }, (_, index) => index),
        ).found,
      ).toBe(false);
    }
  });

  it('keeps the stream’s last bytes for the failure description, and forgets them on reset', () => {
    const scanner = scan(stream, [10, 100, 101, 200], 64);
    expect(scanner.tail().toString()).toBe(stream.slice(-64));
    expect(scan('short', [2], 64).tail().toString()).toBe('short');
    scanner.reset();
    expect(scanner.found).toBe(false);
    expect(scanner.tail().length).toBe(0);
    scanner.push(Buffer.from('data: [DONE]\n\n'));
    expect(scanner.found).toBe(true);
  });
});
