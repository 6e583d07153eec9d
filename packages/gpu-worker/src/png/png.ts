import { crc32, deflateSync } from 'node:zlib';

/** The 8-byte PNG signature. https://www.w3.org/TR/png-3/#5PNG-file-signature */
export const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An RGBA image: `width × height × 4` bytes, row by row. */
export interface RgbaImage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** One chunk: length, type, data, CRC-32 over type + data. https://www.w3.org/TR/png-3/#5Chunk-layout */
export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** IHDR for 8-bit RGBA, no interlace. https://www.w3.org/TR/png-3/#11IHDR */
export function ihdr(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: truecolour with alpha
  header[10] = 0; // deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace
  return pngChunk('IHDR', header);
}

/** A `tEXt` chunk: Latin-1 keyword, a NUL, Latin-1 text. https://www.w3.org/TR/png-3/#11tEXt */
export function textChunk(keyword: string, text: string): Buffer {
  return pngChunk(
    'tEXt',
    Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]),
  );
}

/**
 * The zlib stream of an image's scanlines, each prefixed with filter type 1 (Sub), which
 * shrinks flat backgrounds to almost nothing. https://www.w3.org/TR/png-3/#9Filter-types
 */
export function compressScanlines(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const out = y * (stride + 1);
    const row = y * stride;
    raw[out] = 1;
    for (let x = 0; x < stride; x += 1) {
      const left = x >= 4 ? (pixels[row + x - 4] ?? 0) : 0;
      raw[out + 1 + x] = ((pixels[row + x] ?? 0) - left) & 0xff;
    }
  }
  return deflateSync(raw, { level: 6 });
}

export function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
}

/** A still PNG (8-bit RGBA) with optional `tEXt` metadata. */
export function encodePng(image: RgbaImage, text: Record<string, string> = {}): Buffer {
  checkSize(image.width, image.height);
  const chunks = [ihdr(image.width, image.height)];
  for (const [keyword, value] of Object.entries(text)) chunks.push(textChunk(keyword, value));
  chunks.push(pngChunk('IDAT', compressScanlines(image)), pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([pngSignature, ...chunks]);
}
