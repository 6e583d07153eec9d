import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../contracts/index.ts';
import { SseSplitter, splitSse } from './sse.ts';

async function collect(chunks: string[]) {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const events = [];
  for await (const event of splitSse(body())) events.push(event);
  return events;
}

describe('splitSse', () => {
  it('splits events across arbitrary chunk boundaries and keeps raw bytes', async () => {
    const stream = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const events = await collect([stream.slice(0, cut), stream.slice(cut)]);
      expect(events.map((event) => event.data)).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
      expect(events.map((event) => event.raw).join('')).toBe(stream);
    }
  });

  it('handles CRLF, event names, comments, multi-line data and a multi-byte character split in two', async () => {
    const bytes = new TextEncoder().encode('data: é\n\n');
    async function* body() {
      yield bytes.slice(0, 7);
      yield bytes.slice(7);
    }
    const split = [];
    for await (const event of splitSse(body())) split.push(event.data);
    expect(split).toEqual(['é']);

    const events = await collect([': keepalive\r\n\r\nevent: error\r\ndata: line1\r\ndata: line2\r\n\r\n']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'error', data: 'line1\nline2' });
  });

  it('yields a final event that lacks its blank line', async () => {
    expect((await collect(['data: tail'])).map((event) => event.data)).toEqual(['tail']);
  });

  it('reads a one-line event with CR line ends as the spec does (the CR is not data)', async () => {
    const events = await collect(['data: x\r\n\r\ndata: y\r\n\ndata:z\n\n']);
    expect(events.map((event) => event.data)).toEqual(['x', 'y', 'z']);
  });
});

describe('SseSplitter', () => {
  it('gives every event once, as written, however the bytes are cut (even inside a character)', () => {
    // Lines as [text, data value | undefined, event name | undefined].
    const line = fc.constantFrom<[string, string | undefined, string | undefined]>(
      ['data: {"a":1}', '{"a":1}', undefined],
      ['data:', '', undefined],
      ['data: é€😀', 'é€😀', undefined],
      ['data:  two spaces', ' two spaces', undefined],
      ['event: ping', undefined, 'ping'],
      [': comment', undefined, undefined],
      ['id: 7', undefined, undefined],
    );
    const end = fc.constantFrom('\n', '\r\n');
    const event = fc
      .tuple(fc.array(fc.tuple(line, end), { minLength: 1, maxLength: 4 }), end)
      .map(([lines, blank]) => {
        const raw = lines.map(([[text], eol]) => text + eol).join('') + blank;
        const data = lines.flatMap(([[, value]]) => (value === undefined ? [] : [value]));
        const names = lines.flatMap(([[, , name]]) => (name === undefined ? [] : [name]));
        const expected =
          data.length === 0 && names.length === 0
            ? null
            : { raw, event: names.at(-1), data: data.join('\n') };
        return { raw, expected };
      });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (events, cuts) => {
          const bytes = Buffer.from(events.map((each) => each.raw).join(''));
          const places = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const seen: SseEvent[] = [];
          const splitter = new SseSplitter((each) => seen.push(each));
          let from = 0;
          for (const place of [...places, bytes.length]) {
            splitter.push(bytes.subarray(from, place));
            from = place;
          }
          splitter.end();
          expect(seen).toEqual(events.flatMap((each) => (each.expected ? [each.expected] : [])));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('hands over every whole event of a chunk during that push', () => {
    const events: string[] = [];
    const splitter = new SseSplitter((event) => events.push(event.data));
    splitter.push('data: 1\n\ndata: 2\n\ndata: 3');
    expect(events).toEqual(['1', '2']);
    splitter.push('\n\n');
    expect(events).toEqual(['1', '2', '3']);
  });
});
