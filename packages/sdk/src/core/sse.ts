/** One server-sent event. */
export interface ServerSentEvent {
  event: string | null;
  data: string;
  id: string | null;
}

/**
 * Parses a `text/event-stream` body as the HTML standard defines it
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR; `data:` lines join with "\n"; a blank line ends an event;
 * lines starting with ":" are comments (keepalives).
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | null = null;
  let id: string | null = null;
  let data: string[] = [];
  let sawField = false;

  function* lines(flush: boolean): Generator<string> {
    for (;;) {
      const match = /\r\n|\n|\r/.exec(buffer);
      // A lone CR at the end may be the first half of CRLF: wait for more input.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1 && !flush)) break;
      yield buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
    }
    if (flush && buffer !== '') {
      yield buffer;
      buffer = '';
    }
  }
  const take = (line: string): ServerSentEvent | null => {
    if (line === '') {
      const done = sawField ? { event, data: data.join('\n'), id } : null;
      event = null;
      data = [];
      sawField = false;
      return done;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else return null;
    sawField = true;
    return null;
  };

  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of lines(done)) {
        const complete = take(line);
        if (complete) yield complete;
      }
      if (done) break;
    }
    // A stream that ends without the final blank line still delivers its last event.
    const last = take('');
    if (last) yield last;
  } finally {
    reader.releaseLock();
  }
}
