import { crc32, deflateSync, inflateSync } from 'node:zlib';

/** An sRGB colour, 0–255 per channel. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface PngBands {
  width: number;
  height: number;
  /** Colours of horizontal bands from the top, each `rows` tall; the last band fills the rest. */
  bands: ReadonlyArray<{ color: Rgb; rows: number }>;
  /** Makes the first band's colour fully transparent (a `tRNS` chunk), for transparent backgrounds. */
  transparentFirst?: boolean;
  /** `tEXt` chunks (Latin-1 keyword → text), e.g. generation parameters. */
  text?: Record<string, string>;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_SIDE = 16_384;

/**
 * A valid PNG of solid-colour bands: 8-bit indexed colour (one byte per pixel, a `PLTE` of the
 * band colours), filter type 0 on every row, one zlib stream in one `IDAT`. Solid rows deflate to
 * almost nothing, so even 4096×4096 stays a few kilobytes and takes milliseconds.
 * @see https://www.w3.org/TR/png-3/
 */
export function encodeBandsPng(image: PngBands): Buffer {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE) throw new RangeError(`PNG side above ${MAX_SIDE}`);
  const colors = image.bands.length > 0 ? image.bands.map((band) => band.color) : [{ r: 0, g: 0, b: 0 }];
  if (colors.length > 256) throw new RangeError('at most 256 bands');

  const stride = width + 1;
  const raw = Buffer.alloc(stride * height);
  let row = 0;
  image.bands.forEach((band, index) => {
    const last = index === image.bands.length - 1;
    const end = last ? height : Math.min(height, row + Math.max(0, Math.floor(band.rows)));
    for (; row < end; row += 1) raw.fill(index, row * stride + 1, (row + 1) * stride);
  });

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 3; // colour type: indexed
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace
  const palette = Buffer.alloc(colors.length * 3);
  colors.forEach((color, index) => {
    palette[index * 3] = color.r;
    palette[index * 3 + 1] = color.g;
    palette[index * 3 + 2] = color.b;
  });
  const chunks = [chunk('IHDR', header), chunk('PLTE', palette)];
  if (image.transparentFirst) chunks.push(chunk('tRNS', Buffer.from([0])));
  for (const [keyword, value] of Object.entries(image.text ?? {})) {
    chunks.push(
      chunk(
        'tEXt',
        Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]),
      ),
    );
  }
  chunks.push(chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([SIGNATURE, ...chunks]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Palette entries (indexed colour), each `[r, g, b]`. */
  palette: Array<[number, number, number]>;
  /** Alpha of palette entries from `tRNS` (missing entries are opaque). */
  transparency: number[];
  /** The decompressed scanlines, filter byte first on each row. */
  scanlines: Buffer;
}

/**
 * Reads a PNG as a strict decoder would: signature, every chunk's CRC, IHDR first, IEND last,
 * and the IDAT stream inflating to exactly one filter byte plus `width` samples per row (8-bit
 * indexed or greyscale, 24-bit RGB, or 32-bit RGBA). Throws on anything else. Tests use it to check
 * what the simulator serves.
 * @see https://www.w3.org/TR/png-3/#5Chunk-layout
 */
export function readPngInfo(bytes: Uint8Array): PngInfo {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || !buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG signature');
  let offset = 8;
  let header: Omit<PngInfo, 'palette' | 'transparency' | 'scanlines'> | undefined;
  const palette: Array<[number, number, number]> = [];
  const transparency: number[] = [];
  const data: Buffer[] = [];
  let sawEnd = false;
  while (offset < buffer.length) {
    if (sawEnd) throw new Error('data after IEND');
    if (offset + 12 > buffer.length) throw new Error('truncated PNG chunk');
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const start = offset + 8;
    const end = start + length;
    if (end + 4 > buffer.length) throw new Error(`truncated ${type} chunk`);
    if (crc32(buffer.subarray(offset + 4, end)) !== buffer.readUInt32BE(end)) {
      throw new Error(`bad CRC in ${type} chunk`);
    }
    if (!header && type !== 'IHDR') throw new Error('IHDR must come first');
    if (type === 'IHDR') {
      header = {
        width: buffer.readUInt32BE(start),
        height: buffer.readUInt32BE(start + 4),
        bitDepth: buffer[start + 8] ?? 0,
        colorType: buffer[start + 9] ?? 0,
      };
    } else if (type === 'PLTE') {
      for (let at = start; at + 2 < end; at += 3) {
        palette.push([buffer[at] ?? 0, buffer[at + 1] ?? 0, buffer[at + 2] ?? 0]);
      }
    } else if (type === 'tRNS') {
      for (let at = start; at < end; at += 1) transparency.push(buffer[at] ?? 255);
    } else if (type === 'IDAT') {
      data.push(buffer.subarray(start, end));
    } else if (type === 'IEND') {
      sawEnd = true;
    }
    offset = end + 4;
  }
  if (!header) throw new Error('PNG without IHDR');
  if (!sawEnd) throw new Error('PNG without IEND');
  const channels = { 0: 1, 2: 3, 3: 1, 6: 4 }[header.colorType];
  if (channels === undefined || header.bitDepth !== 8) {
    throw new Error(`unsupported PNG colour type ${header.colorType} / depth ${header.bitDepth}`);
  }
  if (header.colorType === 3 && palette.length === 0) throw new Error('indexed PNG without PLTE');
  const scanlines = inflateSync(Buffer.concat(data));
  const stride = header.width * channels + 1;
  if (scanlines.length !== stride * header.height) {
    throw new Error(`IDAT holds ${scanlines.length} bytes, expected ${stride * header.height}`);
  }
  for (let row = 0; row < header.height; row += 1) {
    if ((scanlines[row * stride] ?? 255) > 4) throw new Error(`bad filter type on row ${row}`);
  }
  return { ...header, palette, transparency, scanlines };
}
