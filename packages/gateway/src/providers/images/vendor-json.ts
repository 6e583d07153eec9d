import { UpstreamError } from '../../errors/index.ts';

/** A vendor's JSON answer that does not have the documented shape: a 502, never a crash. */
export function malformed(provider: string, detail: string, body: unknown): UpstreamError {
  return new UpstreamError('upstream_error', provider, 200, JSON.stringify(body ?? null).slice(0, 2000), {
    message: `The upstream provider returned an unexpected image response (${detail}).`,
  });
}

/** `data:image/png;base64,AAAA` → its parts; undefined for anything else. */
export function parseDataUrl(url: string): { mimeType: string; base64: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1]!, base64: match[2]! } : undefined;
}

/** PNG, JPEG, WebP or GIF by magic bytes; `fallback` otherwise. */
export function sniffImageType(bytes: Buffer, fallback = 'image/png'): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  return fallback;
}
