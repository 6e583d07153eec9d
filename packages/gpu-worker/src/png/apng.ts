import {
  checkSize,
  compressScanlines,
  ihdr,
  pngChunk,
  pngSignature,
  type RgbaImage,
  textChunk,
} from './png.ts';

/**
 * An animated PNG: `acTL` (frame count, loop forever), then per frame an `fcTL` (full-size
 * region, delay 1/fps s) and its data: the first frame in `IDAT` (so viewers without APNG
 * support show it), the others in `fdAT` chunks that carry the shared sequence number.
 * @see https://www.w3.org/TR/png-3/#apng-frame-based-animation
 */
export function encodeApng(
  frames: readonly RgbaImage[],
  fps: number,
  text: Record<string, string> = {},
): Buffer {
  const first = frames[0];
  if (!first) throw new RangeError('an APNG needs at least one frame');
  checkSize(first.width, first.height);
  const { width, height } = first;
  const delayDen = Math.max(1, Math.min(1000, Math.round(fps)));
  const chunks = [ihdr(width, height)];
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0);
  actl.writeUInt32BE(0, 4); // play forever
  chunks.push(pngChunk('acTL', actl));
  for (const [keyword, value] of Object.entries(text)) chunks.push(textChunk(keyword, value));
  let sequence = 0;
  frames.forEach((frame, index) => {
    if (frame.width !== width || frame.height !== height)
      throw new RangeError('every frame has the image size');
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt32BE(0, 12); // x offset
    fctl.writeUInt32BE(0, 16); // y offset
    fctl.writeUInt16BE(1, 20); // delay numerator
    fctl.writeUInt16BE(delayDen, 22); // delay denominator: 1/fps s
    fctl[24] = 0; // dispose: none
    fctl[25] = 0; // blend: source
    chunks.push(pngChunk('fcTL', fctl));
    const data = compressScanlines(frame);
    if (index === 0) {
      chunks.push(pngChunk('IDAT', data));
    } else {
      const seq = Buffer.alloc(4);
      seq.writeUInt32BE(sequence++, 0);
      chunks.push(pngChunk('fdAT', Buffer.concat([seq, data])));
    }
  });
  chunks.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([pngSignature, ...chunks]);
}
