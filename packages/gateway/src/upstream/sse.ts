import type { SseEvent } from '../contracts/index.ts';

/**
 * Incrementally splits a byte stream into SSE events (blank-line delimited, LF or CRLF)
 * without buffering more than one partial event: each chunk pushed in hands its whole
 * events to `onEvent` at once, synchronously (the stream relay's path: no promise per event).
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
export class SseSplitter {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  /** Where the next search for a blank line starts: the unsearched tail (less a split `\r\n\r`). */
  #searched = 0;
  /** Its own (a `g` regex keeps its place in `lastIndex`), so one splitter's event handler can push to another. */
  readonly #boundary = /\r?\n\r?\n/g;

  constructor(onEvent: (event: SseEvent) => void) {
    this.#onEvent = onEvent;
  }

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const buffer = this.#buffer.length === 0 ? text : this.#buffer + text;
    let start = 0;
    const boundary = this.#boundary;
    boundary.lastIndex = this.#searched;
    for (let match = boundary.exec(buffer); match; match = boundary.exec(buffer)) {
      const end = match.index + match[0].length;
      // The common chunk, one whole event: no copy.
      const event = parseEvent(start === 0 && end === buffer.length ? buffer : buffer.slice(start, end));
      start = end;
      if (event) this.#onEvent(event);
    }
    this.#buffer = start === 0 ? buffer : buffer.slice(start);
    this.#searched = Math.max(0, this.#buffer.length - 3);
  }

  /** The end of the stream: a last event that lacks its blank line still counts. */
  end(): void {
    const rest = this.#buffer + this.#decoder.decode();
    this.#buffer = '';
    this.#searched = 0;
    if (rest.trim().length === 0) return;
    const event = parseEvent(rest);
    if (event) this.#onEvent(event);
  }
}

/** The same split for a reader that iterates (translators' tests, an SSE answer assembled whole). */
export async function* splitSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const ready: SseEvent[] = [];
  const splitter = new SseSplitter((event) => ready.push(event));
  for await (const chunk of body) {
    splitter.push(chunk);
    yield* ready.splice(0);
  }
  splitter.end();
  yield* ready.splice(0);
}

function parseEvent(raw: string): SseEvent | null {
  // The usual event, one `data:` line ending in the blank line: read without splitting lines.
  const last = raw.length - 1;
  if (
    raw.startsWith('data:') &&
    raw.indexOf('\n') === last - 1 &&
    raw.charCodeAt(last) === 10 /* \n */ &&
    raw.charCodeAt(last - 2) !== 13 /* \r */
  ) {
    const from = raw.charCodeAt(5) === 32 /* space */ ? 6 : 5;
    return { raw, event: undefined, data: raw.slice(from, raw.length - 2) };
  }
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
