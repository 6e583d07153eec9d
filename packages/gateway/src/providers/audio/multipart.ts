import { randomBytes } from 'node:crypto';
import type { FormPart } from './types.ts';

/**
 * Quotes a form field or file name for `Content-Disposition`, escaping `"`, `\`, CR and LF
 * as %XX the way browsers do.
 * @see https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#multipart-form-data
 */
const quoted = (value: string): string =>
  `"${value.replace(/["\\\r\n]/g, (char) => encodeURIComponent(char))}"`;

/**
 * A `multipart/form-data` body and its content type, built in memory (the parts are a
 * few megabytes at most).
 * @see https://www.rfc-editor.org/rfc/rfc7578
 */
export function encodeMultipart(parts: readonly FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----hypereal${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('file' in part) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(part.name)}; filename=${quoted(part.file.filename)}\r\nContent-Type: ${part.file.contentType}\r\n\r\n`,
        ),
        part.file.bytes,
        Buffer.from('\r\n'),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(part.name)}\r\n\r\n${part.value}\r\n`,
        ),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
