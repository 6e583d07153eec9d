import { describe, expect, it } from 'vitest';
import { type ResponseHead, ResponseParser } from '../../bench/http1/response-parser.ts';

interface Parsed {
  heads: ResponseHead[];
  body: string;
  completions: number;
}

/** Parses `wire` fed in the pieces given by `cuts` (offsets), then the connection's end if `eof`. */
function parse(wire: string, cuts: readonly number[] = [], eof = false): Parsed {
  const parsed: Parsed = { heads: [], body: '', completions: 0 };
  const parser = new ResponseParser({
    onHead: (head) => parsed.heads.push(head),
    onBody: (chunk) => {
      parsed.body += chunk.toString('latin1');
    },
    onComplete: () => {
      parsed.completions += 1;
    },
  });
  const bytes = Buffer.from(wire, 'latin1');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) parser.execute(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  if (eof) parser.end();
  return parsed;
}

/** The same parse with the wire split in two at every offset, and fed byte by byte. */
function everySplit(wire: string, eof = false): Parsed[] {
  const all: Parsed[] = [];
  for (let cut = 0; cut <= wire.length; cut += 1) all.push(parse(wire, [cut], eof));
  all.push(
    parse(
      wire,
      Array.from({ length: wire.length }, (_, index) => index),
      eof,
    ),
  );
  return all;
}

const json = '{"object":"chat.completion","choices":[]}';
const lengthResponse =
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: ' +
  `${json.length}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n${json}`;
/** One chunk of a chunked body: hex size, optional extension, CRLF, data, CRLF. */
const chunk = (data: string, extension = '') => `${data.length.toString(16)}${extension}\r\n${data}\r\n`;
// RFC 9112 §7.1: chunk extensions after the size, then trailer fields after the last chunk.
const chunkedResponse =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  chunk('data: {"delta":"hello, a long enough chunk to need two hex digits"}\n\n') +
  chunk('data: [DONE]\n\n\r\n', ';name=value') +
  '0\r\nx-trailer: yes\r\n\r\n';

describe('ResponseParser', () => {
  it('reads a Content-Length body whole, wherever the chunks split it', () => {
    for (const parsed of everySplit(lengthResponse)) {
      expect(parsed).toEqual({
        heads: [{ statusCode: 200, keepAlive: true, keepAliveTimeoutMs: 5000 }],
        body: json,
        completions: 1,
      });
    }
  });

  it('decodes a chunked body, skipping chunk extensions and trailers, wherever the chunks split it', () => {
    for (const parsed of everySplit(chunkedResponse)) {
      expect(parsed.heads).toEqual([{ statusCode: 200, keepAlive: true, keepAliveTimeoutMs: undefined }]);
      expect(parsed.body).toBe(
        'data: {"delta":"hello, a long enough chunk to need two hex digits"}\n\ndata: [DONE]\n\n\r\n',
      );
      expect(parsed.completions).toBe(1);
    }
  });

  it('reads the next response on the same connection after reset()', () => {
    const parsed: number[] = [];
    const parser = new ResponseParser({
      onHead: (head) => parsed.push(head.statusCode),
      onBody: () => undefined,
      onComplete: () => parsed.push(0),
    });
    parser.execute(Buffer.from(lengthResponse, 'latin1'));
    parser.reset();
    parser.execute(Buffer.from(chunkedResponse.replace('200 OK', '201 Created'), 'latin1'));
    expect(parsed).toEqual([200, 0, 201, 0]);
  });

  it('skips a 1xx interim response and reads the final one', () => {
    for (const parsed of everySplit(`HTTP/1.1 100 Continue\r\n\r\n${lengthResponse}`)) {
      expect(parsed.heads.map((head) => head.statusCode)).toEqual([200]);
      expect(parsed.body).toBe(json);
      expect(parsed.completions).toBe(1);
    }
  });

  it('ends a 204 and a zero-length body at their head', () => {
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ body: '', completions: 1 });
    expect(parse('HTTP/1.1 500 Oops\r\ncontent-length: 0\r\n\r\n')).toMatchObject({
      heads: [{ statusCode: 500 }],
      body: '',
      completions: 1,
    });
  });

  it('reads a body without framing until the connection ends, and then not again', () => {
    for (const parsed of everySplit('HTTP/1.1 200 OK\r\n\r\nuntil the end', true)) {
      expect(parsed).toEqual({
        heads: [{ statusCode: 200, keepAlive: false, keepAliveTimeoutMs: undefined }],
        body: 'until the end',
        completions: 1,
      });
    }
  });

  it('marks Connection: close and HTTP/1.0 without keep-alive as not reusable', () => {
    const close = parse('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\nok');
    expect(close.heads[0]?.keepAlive).toBe(false);
    const old = parse('HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok');
    expect(old.heads[0]?.keepAlive).toBe(false);
    const oldKept = parse('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 2\r\n\r\nok');
    expect(oldKept.heads[0]?.keepAlive).toBe(true);
  });

  it('throws on a cut-short body, malformed framing and data after the response', () => {
    expect(() => parse(lengthResponse.slice(0, -3), [], true)).toThrow('other side closed');
    expect(() => parse(chunkedResponse.slice(0, -2), [], true)).toThrow('other side closed');
    expect(() => parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')).toThrow(
      'malformed chunk size',
    );
    expect(() => parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n')).toThrow(
      'no CRLF after chunk data',
    );
    expect(() => parse('HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n')).toThrow('malformed content-length');
    expect(() => parse('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n')).toThrow(
      'unsupported transfer-encoding',
    );
    expect(() => parse('SSH-2.0-OpenSSH\r\n\r\n')).toThrow('not an HTTP/1.x response');
    expect(() => parse(`${lengthResponse}HTTP/1.1`)).toThrow('data after the end of the response');
  });
});
