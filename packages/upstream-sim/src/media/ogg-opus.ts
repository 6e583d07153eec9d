/**
 * A valid Ogg Opus stream of silence (RFC 7845): an `OpusHead` page, an `OpusTags` page, then
 * audio pages of 20 ms packets. Each packet is a lone TOC byte (CELT-only, full band, 20 ms,
 * mono, one frame) with a zero-length frame, which RFC 6716 §3.2.1 allows and decoders treat as
 * silence. The last page's granule position (48 kHz samples, minus the pre-skip) gives the
 * length, as `opusinfo` and browsers compute it.
 * @see https://www.rfc-editor.org/rfc/rfc7845
 * @see https://www.rfc-editor.org/rfc/rfc3533
 */
const PRE_SKIP = 312;
const SAMPLES_PER_PACKET = 960; // 20 ms at 48 kHz
const PACKETS_PER_PAGE = 50; // one second per page
const SERIAL = 0x5349_4d00; // "SIM\0"

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let value = index << 24;
  for (let bit = 0; bit < 8; bit += 1) value = value & 0x8000_0000 ? (value << 1) ^ 0x04c1_1db7 : value << 1;
  return value >>> 0;
});

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0. */
function oggCrc(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
  return crc;
}

function page(packets: Buffer[], sequence: number, granule: bigint, flags: number): Buffer {
  const lacing: number[] = [];
  for (const packet of packets) {
    let left = packet.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
  }
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header.writeUInt8(flags, 5);
  header.writeBigUInt64LE(granule, 6);
  header.writeUInt32LE(SERIAL, 14);
  header.writeUInt32LE(sequence, 18);
  header.writeUInt8(lacing.length, 26);
  Buffer.from(lacing).copy(header, 27);
  const bytes = Buffer.concat([header, ...packets]);
  bytes.writeUInt32LE(oggCrc(bytes), 22);
  return bytes;
}

export function encodeSilentOggOpus(seconds: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head.writeUInt8(1, 8); // version
  head.writeUInt8(1, 9); // channels
  head.writeUInt16LE(PRE_SKIP, 10);
  head.writeUInt32LE(48_000, 12); // input sample rate (informational)
  const vendor = Buffer.from('upstream-sim', 'latin1');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  const pages = [page([head], 0, 0n, 0x02), page([tags], 1, 0n, 0)];
  const total = Math.max(1, Math.ceil((seconds * 48_000) / SAMPLES_PER_PACKET));
  const packet = Buffer.from([0xf8]);
  let written = 0;
  while (written < total) {
    const count = Math.min(PACKETS_PER_PAGE, total - written);
    written += count;
    const last = written === total;
    const granule = BigInt(written * SAMPLES_PER_PACKET + PRE_SKIP);
    pages.push(
      page(
        Array.from({ length: count }, () => packet),
        pages.length,
        granule,
        last ? 0x04 : 0,
      ),
    );
  }
  return Buffer.concat(pages);
}

/** Length of an Ogg Opus stream: the last page's granule position minus the pre-skip, at 48 kHz. */
export function oggOpusDurationSeconds(bytes: Uint8Array): number {
  const data = Buffer.from(bytes);
  if (data.toString('latin1', 0, 4) !== 'OggS' || data.toString('latin1', 28, 36) !== 'OpusHead') {
    throw new Error('not an Ogg Opus stream');
  }
  const preSkip = data.readUInt16LE(28 + 10);
  let at = 0;
  let granule = 0n;
  while (at + 27 <= data.length && data.toString('latin1', at, at + 4) === 'OggS') {
    const segments = data.readUInt8(at + 26);
    let size = 27 + segments;
    for (let index = 0; index < segments; index += 1) size += data.readUInt8(at + 27 + index);
    const expected = data.readUInt32LE(at + 22);
    const copy = Buffer.from(data.subarray(at, at + size));
    copy.writeUInt32LE(0, 22);
    if (oggCrc(copy) !== expected) throw new Error(`bad Ogg page CRC at ${at}`);
    granule = data.readBigUInt64LE(at + 6);
    at += size;
  }
  return (Number(granule) - preSkip) / 48_000;
}
