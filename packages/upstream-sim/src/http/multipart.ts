/** One part of a `multipart/form-data` body. */
export interface FormPart {
  name: string;
  /** Set for file fields. */
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/**
 * Splits a `multipart/form-data` body into its parts (RFC 7578): the boundary from the
 * `Content-Type` header, each part's `Content-Disposition` name and filename, and its raw bytes.
 * Returns undefined when the body is not multipart or is malformed.
 * @see https://www.rfc-editor.org/rfc/rfc7578
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] | undefined {
  const boundary = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const token = boundary?.[1] ?? boundary?.[2];
  if (!token) return undefined;
  const delimiter = Buffer.from(`--${token}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) return undefined;
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') return parts;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd === -1) return undefined;
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) return undefined;
    const headers = body.subarray(start, headerEnd).toString('utf8');
    const disposition = /content-disposition:\s*form-data([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) return undefined;
    // The part's data ends with the CRLF that precedes the next delimiter.
    parts.push({
      name,
      filename: /;\s*filename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
      data: body.subarray(headerEnd + 4, next - 2),
    });
    at = next;
  }
  return parts;
}

/** The text of the first field called `name`. */
export function formField(parts: readonly FormPart[], name: string): string | undefined {
  return parts.find((part) => part.name === name)?.data.toString('utf8');
}
