/**
 * An incremental HTTP/1.1 response parser for the bench's load generator: one response at a
 * time on a keep-alive connection, fed the socket's chunks as they come (split anywhere). It
 * reads what framing and reuse need (RFC 9112): the status code, `Transfer-Encoding: chunked`
 * (decoded, chunk extensions and trailers skipped), `Content-Length`, a body ending with the
 * connection otherwise, `Connection: close` and the `Keep-Alive: timeout=N` hint; 1xx interim
 * responses are skipped. Other headers are not parsed. Malformed input throws.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-7.1
 * @see https://httpwg.org/specs/rfc9110.html#field.connection
 */

export interface ResponseHead {
  statusCode: number;
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N` hint, ms, if it sent one. */
  keepAliveTimeoutMs: number | undefined;
}

export interface ResponseSink {
  onHead(head: ResponseHead): void;
  /** A piece of the (de-chunked) body; a view of the socket's buffer, which is not reused. */
  onBody(chunk: Buffer): void;
  onComplete(): void;
}

/** Status line and headers larger than this are refused (undici's default is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 8 * 1024;
const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const LF = 0x0a;
const CR = 0x0d;

type State =
  | 'head'
  | 'length'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'until-close'
  | 'done';

export class ResponseParser {
  readonly #sink: ResponseSink;
  #state: State = 'head';
  /** Head bytes received so far while no blank line has come. */
  #headPending: Buffer | undefined;
  /** Content-Length or chunk bytes still to come. */
  #remaining = 0;
  /** The chunk-size or trailer line read so far (latin1). */
  #line = '';
  /** In `chunk-data-end`: how many of the CRLF after a chunk's data have come. */
  #crlfSeen = 0;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.#state = 'head';
    this.#headPending = undefined;
    this.#remaining = 0;
    this.#line = '';
    this.#crlfSeen = 0;
  }

  /** Feeds one chunk from the socket. */
  execute(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      switch (this.#state) {
        case 'head':
          offset = this.#readHead(data, offset);
          break;
        case 'length': {
          const end = Math.min(data.length, offset + this.#remaining);
          this.#remaining -= end - offset;
          this.#sink.onBody(offset === 0 && end === data.length ? data : data.subarray(offset, end));
          offset = end;
          if (this.#remaining === 0) this.#finish();
          break;
        }
        case 'chunk-size':
          offset = this.#readChunkSize(data, offset);
          break;
        case 'chunk-data': {
          const end = Math.min(data.length, offset + this.#remaining);
          this.#remaining -= end - offset;
          this.#sink.onBody(data.subarray(offset, end));
          offset = end;
          if (this.#remaining === 0) {
            this.#state = 'chunk-data-end';
            this.#crlfSeen = 0;
          }
          break;
        }
        case 'chunk-data-end': {
          const expected = this.#crlfSeen === 0 ? CR : LF;
          if (data[offset] !== expected) throw new Error('malformed chunked body: no CRLF after chunk data');
          offset += 1;
          this.#crlfSeen += 1;
          if (this.#crlfSeen === 2) this.#state = 'chunk-size';
          break;
        }
        case 'trailers':
          offset = this.#readTrailers(data, offset);
          break;
        case 'until-close':
          this.#sink.onBody(offset === 0 ? data : data.subarray(offset));
          offset = data.length;
          break;
        case 'done':
          throw new Error('data after the end of the response');
      }
    }
  }

  /** The connection ended: completes a body that lasts until close, throws if one was cut short. */
  end(): void {
    if (this.#state === 'until-close') this.#finish();
    else if (this.#state !== 'done') throw new Error('other side closed');
  }

  #finish(): void {
    this.#state = 'done';
    this.#sink.onComplete();
  }

  #readHead(data: Buffer, offset: number): number {
    const pending = this.#headPending;
    // The common case: the whole head in this chunk.
    const bytes = pending === undefined ? data : Buffer.concat([pending, data.subarray(offset)]);
    const from = pending === undefined ? offset : 0;
    // The blank line may straddle the two pieces: search from a little before the new bytes.
    const searchFrom = pending === undefined ? offset : Math.max(0, pending.length - 3);
    const blank = bytes.indexOf(CRLF_CRLF, searchFrom);
    if (blank < 0) {
      if (bytes.length - from > MAX_HEAD_BYTES) throw new Error('response head too large');
      this.#headPending = pending === undefined ? data.subarray(offset) : bytes;
      return data.length;
    }
    this.#headPending = undefined;
    const head = bytes.toString('latin1', from, blank);
    const consumed = blank + 4 - from;
    // Where the body starts in `data` (the pending bytes all came before it).
    const next = offset + consumed - (pending?.length ?? 0);
    this.#startBody(head);
    return next;
  }

  #startBody(head: string): void {
    if (!head.startsWith('HTTP/1.') || head.charCodeAt(8) !== 0x20)
      throw new Error(`not an HTTP/1.x response: ${head.slice(0, 40)}`);
    const statusCode = Number(head.slice(9, 12));
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999)
      throw new Error(`malformed status line: ${head.slice(0, 40)}`);
    // 1xx interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (statusCode < 200) return;
    const fields = head.toLowerCase();
    const http10 = head.charCodeAt(7) === 0x30;
    const connection = headerValue(fields, 'connection');
    const keepAlive = connection?.includes('close')
      ? false
      : http10
        ? connection?.includes('keep-alive') === true
        : true;
    const hint = /timeout=\s*(\d+)/.exec(headerValue(fields, 'keep-alive') ?? '');
    const transferEncoding = headerValue(fields, 'transfer-encoding');
    const contentLength = headerValue(fields, 'content-length');
    const responseHead: ResponseHead = {
      statusCode,
      keepAlive,
      keepAliveTimeoutMs: hint ? Number(hint[1]) * 1000 : undefined,
    };
    if (statusCode === 204 || statusCode === 304) {
      this.#sink.onHead(responseHead);
      this.#finish();
    } else if (transferEncoding !== undefined) {
      if (!/(?:^|,)\s*chunked\s*$/.test(transferEncoding))
        throw new Error(`unsupported transfer-encoding: ${transferEncoding}`);
      this.#sink.onHead(responseHead);
      this.#state = 'chunk-size';
      this.#line = '';
    } else if (contentLength !== undefined) {
      if (!/^\d+$/.test(contentLength)) throw new Error(`malformed content-length: ${contentLength}`);
      this.#sink.onHead(responseHead);
      this.#remaining = Number(contentLength);
      if (this.#remaining === 0) this.#finish();
      else this.#state = 'length';
    } else {
      this.#sink.onHead({ ...responseHead, keepAlive: false });
      this.#state = 'until-close';
    }
  }

  #readChunkSize(data: Buffer, offset: number): number {
    // The common case, a whole `hex CRLF` line in this chunk, read without strings.
    if (this.#line === '') {
      let size = 0;
      let position = offset;
      for (; position < data.length && position - offset < 12; position += 1) {
        const digit = hexDigit(data[position]!);
        if (digit < 0) break;
        size = size * 16 + digit;
      }
      if (position > offset && data[position] === CR && data[position + 1] === LF) {
        this.#startChunk(size);
        return position + 2;
      }
    }
    const lf = data.indexOf(LF, offset);
    const end = lf < 0 ? data.length : lf;
    this.#line += data.toString('latin1', offset, end);
    if (this.#line.length > MAX_LINE_BYTES) throw new Error('chunk-size line too long');
    if (lf < 0) return data.length;
    const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
    this.#line = '';
    // chunk-size [ chunk-ext ]: the extensions are ignored.
    const sizeText = (line.split(';', 1)[0] ?? '').trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw new Error(`malformed chunk size: ${line.slice(0, 40)}`);
    this.#startChunk(Number.parseInt(sizeText, 16));
    return lf + 1;
  }

  #startChunk(size: number): void {
    if (size === 0) this.#state = 'trailers';
    else {
      this.#state = 'chunk-data';
      this.#remaining = size;
    }
  }

  /** Trailer fields after the last chunk, up to and including the blank line. */
  #readTrailers(data: Buffer, offset: number): number {
    let position = offset;
    while (position < data.length) {
      const lf = data.indexOf(LF, position);
      const end = lf < 0 ? data.length : lf;
      this.#line += data.toString('latin1', position, end);
      if (this.#line.length > MAX_LINE_BYTES) throw new Error('trailer line too long');
      if (lf < 0) return data.length;
      const line = this.#line;
      this.#line = '';
      position = lf + 1;
      if (line === '' || line === '\r') {
        this.#finish();
        return position;
      }
    }
    return position;
  }
}

/** The value of a header (first occurrence) in a lowercased head, trimmed; undefined if absent. */
function headerValue(fields: string, name: string): string | undefined {
  const at = fields.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const start = at + name.length + 3;
  const end = fields.indexOf('\r\n', start);
  return fields.slice(start, end < 0 ? fields.length : end).trim();
}

/** The value of an ASCII hex digit, -1 for any other byte. */
function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
