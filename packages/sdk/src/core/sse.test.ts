import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type ServerSentEvent } from './sse.ts';

/** A body delivered in exactly these pieces, as a network would split it. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function events(stream: ReadableStream<Uint8Array>): Promise<ServerSentEvent[]> {
  const all: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(stream)) all.push(event);
  return all;
}

describe('readServerSentEvents', () => {
  it('reads LF, CRLF and CR line ends, named events, ids, multi-line data and comments', async () => {
    const parsed = await events(
      body(
        ': keepalive\n\nevent: message_start\ndata: {"a":1}\n\n',
        'data: one\r\ndata: two\r\nid: 7\r\n\r\n',
        'data:x\r\r',
      ),
    );
    expect(parsed).toEqual([
      { event: 'message_start', data: '{"a":1}', id: null },
      { event: null, data: 'one\ntwo', id: '7' },
      { event: null, data: 'x', id: '7' },
    ]);
  });

  it('joins events split anywhere, even inside a CRLF or a multi-byte character', async () => {
    const text = 'data: héllo 👋\r\n\r\ndata: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, cut));
          controller.enqueue(bytes.slice(cut));
          controller.close();
        },
      });
      expect(
        (await events(stream)).map((event) => event.data),
        `cut at ${cut}`,
      ).toEqual(['héllo 👋', '[DONE]']);
    }
  });

  it('delivers a last event that lacks its closing blank line; ignores unknown fields', async () => {
    expect(await events(body('retry: 100\nfoo: bar\ndata: tail'))).toEqual([
      { event: null, data: 'tail', id: null },
    ]);
  });
});
