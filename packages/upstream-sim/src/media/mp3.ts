/**
 * A stream of silent MPEG-1 Layer III frames (44.1 kHz, 128 kbit/s, mono, no CRC): each frame is
 * 417 bytes and 1152 samples long, so the stream's length follows the seconds asked for. The frame
 * header is real; the side information and main data are zeros, which decoders play as silence.
 * @see https://www.mp3-tech.org/programmer/frame_header.html
 */
const FRAME_BYTES = 417;
const SAMPLES_PER_FRAME = 1152;
const SAMPLE_RATE = 44_100;

export function encodeSilentMp3(seconds: number): Buffer {
  const frames = Math.max(1, Math.ceil((seconds * SAMPLE_RATE) / SAMPLES_PER_FRAME));
  const frame = Buffer.alloc(FRAME_BYTES);
  // sync 11 bits, MPEG-1, Layer III, no CRC; 128 kbit/s, 44.1 kHz, no padding; mono.
  frame.set([0xff, 0xfb, 0x90, 0xc0], 0);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/** Seconds of a constant-bitrate stream made by {@link encodeSilentMp3}. */
export function mp3DurationSeconds(bytes: Uint8Array): number {
  if (bytes[0] !== 0xff || ((bytes[1] ?? 0) & 0xe0) !== 0xe0) throw new Error('not an MP3 frame');
  return ((bytes.length / FRAME_BYTES) * SAMPLES_PER_FRAME) / SAMPLE_RATE;
}
