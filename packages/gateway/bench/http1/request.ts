/** One request as it goes on the wire, built once and sent as is. */
export interface RequestSpec {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The request line, `Host`, `Connection: keep-alive`, the given headers, `Content-Length` and the body, as one Buffer
 * (HTTP/1.1 message syntax); names and values are checked, as an HTTP client does.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-2.1
 */
export function serializeRequest(origin: URL, request: RequestSpec): Buffer {
  if (!TOKEN.test(request.method)) throw new Error(`invalid method ${request.method}`);
  if (!/^\/[\x21-\x7e]*$/.test(request.path)) throw new Error(`invalid request path ${request.path}`);
  // The head undici sends (`host` and `connection` first), so a server parses the same fields.
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${origin.host}\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) throw new Error(`invalid header name ${name}`);
    if (!FIELD_VALUE.test(value)) throw new Error(`invalid value for header ${name}`);
    // Framing, the host and the connection are this function's.
    if (['host', 'connection', 'content-length', 'transfer-encoding'].includes(lower))
      throw new Error(`header ${name} is set by serializeRequest`);
    head += `${name}: ${value}\r\n`;
  }
  head += `content-length: ${request.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), request.body]);
}
