import type { SseEvent } from '../contracts/index.ts';

/**
 * Incrementally splits a byte stream into SSE events (blank-line delimited, LF or CRLF)
 * without buffering more than one partial event.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
export async function* splitSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let boundary = findBoundary(buffer);
    while (boundary !== null) {
      const raw = buffer.slice(0, boundary.end);
      buffer = buffer.slice(boundary.end);
      const event = parseEvent(raw);
      if (event) yield event;
      boundary = findBoundary(buffer);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim().length > 0) {
    const event = parseEvent(buffer);
    if (event) yield event;
  }
}

function findBoundary(buffer: string): { end: number } | null {
  const match = /\r?\n\r?\n/.exec(buffer);
  return match ? { end: match.index + match[0].length } : null;
}

function parseEvent(raw: string): SseEvent | null {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length === 0 && event === undefined) return null;
  return { raw, event, data: data.join('\n') };
}
