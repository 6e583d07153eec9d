import { GatewayError } from '../errors/index.ts';
import type { ByteRange } from './object-store.ts';

/** Types a browser may show in place; everything else downloads (no HTML on our origin). */
const inlineTypes = /^(image\/(png|jpeg|gif|webp)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/;

/**
 * `inline` or `attachment`, with an ASCII `filename` and the exact UTF-8 `filename*`.
 * @see https://www.rfc-editor.org/rfc/rfc6266#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc8187#section-3.2 (ext-value encoding)
 */
export function contentDisposition(filename: string, contentType: string): string {
  const disposition = inlineTypes.test(contentType) ? 'inline' : 'attachment';
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * One `bytes=` range of a Range header, clamped to the file; several ranges or a
 * malformed header are ignored (the whole file is sent), as RFC 9110 permits.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14.2
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const unsatisfiable = () =>
    new GatewayError('range_not_satisfiable', {
      message: `Range ${header} is outside the file's ${size} bytes.`,
      headers: { 'content-range': `bytes */${size}` },
    });
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) throw unsatisfiable();
  return { start, end };
}
