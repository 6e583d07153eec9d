import { describe, expect, it } from 'vitest';
import { splitSse } from './sse.ts';

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
});
