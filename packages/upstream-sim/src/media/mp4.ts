/**
 * A small valid MP4 (ISO base media file, ISO/IEC 14496-12): an `ftyp` box and a `moov` box with
 * `mvhd` (whose duration is the clip length) and one video `trak` (`tkhd` with the frame size,
 * `mdia` → `mdhd`, `hdlr` "vide", `minf` → `vmhd`, `dinf`, an empty sample table). It carries no
 * frames, which is enough for a client to check the container, brand, duration and size, the way
 * `ffprobe` or the MP4Box.js parser read them.
 * @see https://developer.apple.com/documentation/quicktime-file-format
 */
export interface Mp4Spec {
  durationSeconds: number;
  width: number;
  height: number;
}

export interface Mp4Info {
  majorBrand: string;
  durationSeconds: number;
  width: number;
  height: number;
}

const TIMESCALE = 1000;

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A "full box": version 0 and 24 flag bits ahead of the payload. */
function fullBox(type: string, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(flags & 0xffffff, 0);
  return box(type, head, payload);
}

/** The identity transformation matrix of `mvhd` and `tkhd` (16.16 and 2.30 fixed point). */
function matrix(): Buffer {
  const m = Buffer.alloc(36);
  m.writeUInt32BE(0x00010000, 0);
  m.writeUInt32BE(0x00010000, 16);
  m.writeUInt32BE(0x40000000, 32);
  return m;
}

function mvhd(duration: number): Buffer {
  const b = Buffer.alloc(96);
  // creation_time, modification_time left 0
  b.writeUInt32BE(TIMESCALE, 8);
  b.writeUInt32BE(duration, 12);
  b.writeUInt32BE(0x00010000, 16); // rate 1.0
  b.writeUInt16BE(0x0100, 20); // volume 1.0
  matrix().copy(b, 32);
  b.writeUInt32BE(2, 92); // next_track_ID
  return fullBox('mvhd', 0, b);
}

function tkhd(duration: number, width: number, height: number): Buffer {
  const b = Buffer.alloc(80);
  b.writeUInt32BE(1, 8); // track_ID
  b.writeUInt32BE(duration, 16);
  matrix().copy(b, 36);
  b.writeUInt32BE(width * 0x10000, 72);
  b.writeUInt32BE(height * 0x10000, 76);
  return fullBox('tkhd', 0x000003, b); // enabled, in movie
}

function mdhd(duration: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(TIMESCALE, 8);
  b.writeUInt32BE(duration, 12);
  b.writeUInt16BE(0x55c4, 16); // language "und"
  return fullBox('mdhd', 0, b);
}

function hdlr(): Buffer {
  const name = Buffer.from('VideoHandler\0', 'latin1');
  const b = Buffer.alloc(20);
  b.write('vide', 4, 'latin1');
  return fullBox('hdlr', 0, Buffer.concat([b, name]));
}

function emptyTable(type: string, extra = 0): Buffer {
  return fullBox(type, 0, Buffer.alloc(4 + extra));
}

export function encodeMp4(spec: Mp4Spec): Buffer {
  const duration = Math.round(spec.durationSeconds * TIMESCALE);
  const ftyp = box(
    'ftyp',
    Buffer.from('isom', 'latin1'),
    Buffer.from([0, 0, 2, 0]),
    Buffer.from('isomiso2avc1mp41', 'latin1'),
  );
  const dref = fullBox('dref', 0, Buffer.concat([u32(1), fullBox('url ', 1, Buffer.alloc(0))]));
  const stbl = box(
    'stbl',
    emptyTable('stsd'),
    emptyTable('stts'),
    emptyTable('stsc'),
    emptyTable('stsz', 4),
    emptyTable('stco'),
  );
  const minf = box('minf', fullBox('vmhd', 1, Buffer.alloc(8)), box('dinf', dref), stbl);
  const trak = box(
    'trak',
    tkhd(duration, spec.width, spec.height),
    box('mdia', mdhd(duration), hdlr(), minf),
  );
  return Buffer.concat([ftyp, box('moov', mvhd(duration), trak)]);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value, 0);
  return b;
}

/** Reads what a client checks: the `ftyp` brand, `mvhd` duration and the first track's size. */
export function readMp4Info(bytes: Uint8Array): Mp4Info {
  const data = Buffer.from(bytes);
  const top = children(data, 0, data.length);
  const ftyp = top.get('ftyp');
  const moov = top.get('moov');
  if (!ftyp || !moov) throw new Error('not an MP4: ftyp and moov boxes required');
  const majorBrand = data.toString('latin1', ftyp.start, ftyp.start + 4);
  const inMoov = children(data, moov.start, moov.end);
  const mvhdBox = inMoov.get('mvhd');
  if (!mvhdBox) throw new Error('moov has no mvhd');
  const timescale = data.readUInt32BE(mvhdBox.start + 12);
  const duration = data.readUInt32BE(mvhdBox.start + 16);
  const trak = inMoov.get('trak');
  const tkhdBox = trak ? children(data, trak.start, trak.end).get('tkhd') : undefined;
  return {
    majorBrand,
    durationSeconds: duration / timescale,
    width: tkhdBox ? data.readUInt32BE(tkhdBox.start + 76) / 0x10000 : 0,
    height: tkhdBox ? data.readUInt32BE(tkhdBox.start + 80) / 0x10000 : 0,
  };
}

function children(data: Buffer, from: number, to: number): Map<string, { start: number; end: number }> {
  const found = new Map<string, { start: number; end: number }>();
  let at = from;
  while (at + 8 <= to) {
    const size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > to) throw new Error(`bad MP4 box ${type} at ${at}`);
    if (!found.has(type)) found.set(type, { start: at + 8, end: at + size });
    at += size;
  }
  return found;
}
