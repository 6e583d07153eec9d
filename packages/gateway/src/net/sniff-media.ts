/**
 * The media type of a file from its first bytes, ignoring what the server claims.
 * Signatures as the WHATWG MIME Sniffing standard lists them, plus FLAC and M4A:
 * @see https://mimesniff.spec.whatwg.org/#matching-an-image-type-pattern
 * @see https://mimesniff.spec.whatwg.org/#matching-an-audio-or-video-type-pattern
 * @see https://xiph.org/flac/format.html#stream (the `fLaC` marker)
 */
export const sniffableTypes = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'audio/mpeg',
  'audio/wav',
  'audio/ogg',
  'audio/flac',
  'audio/mp4',
  'video/mp4',
] as const;

export type SniffedType = (typeof sniffableTypes)[number];

/** How many leading bytes `sniffMediaType` needs to decide. */
export const sniffBytes = 16;

const ascii = (bytes: Uint8Array, offset: number, text: string): boolean =>
  bytes.length >= offset + text.length &&
  [...text].every((char, index) => bytes[offset + index] === char.charCodeAt(0));

const startsWith = (bytes: Uint8Array, signature: readonly number[]): boolean =>
  bytes.length >= signature.length && signature.every((byte, index) => bytes[index] === byte);

/** ISO base media (`ftyp` box): brands M4A/M4B/M4P are audio, the rest video. */
function isoBaseMedia(bytes: Uint8Array): SniffedType | undefined {
  if (!ascii(bytes, 4, 'ftyp')) return undefined;
  const brand = String.fromCharCode(...bytes.subarray(8, 12));
  return /^(M4A |M4B |M4P |F4A )$/.test(brand) ? 'audio/mp4' : 'video/mp4';
}

/** An MPEG audio frame header: 11 sync bits, a defined layer (ISO/IEC 11172-3 §2.4.2.3). */
const mpegFrame = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0 && (bytes[1]! & 0x06) !== 0;

export function sniffMediaType(bytes: Uint8Array): SniffedType | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'image/gif';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'image/webp';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) return 'audio/wav';
  if (ascii(bytes, 0, 'OggS')) return 'audio/ogg';
  if (ascii(bytes, 0, 'fLaC')) return 'audio/flac';
  if (ascii(bytes, 0, 'ID3') || mpegFrame(bytes)) return 'audio/mpeg';
  return isoBaseMedia(bytes);
}
