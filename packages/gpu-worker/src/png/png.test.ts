import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderImage } from '../render/render-image.ts';
import { encodeApng } from './apng.ts';
import { encodePng, pngSignature } from './png.ts';

interface Chunk {
  type: string;
  data: Buffer;
}

/** Splits a PNG into chunks, checking the signature and every CRC as a strict decoder does. */
function chunks(png: Buffer): Chunk[] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const out: Chunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length), `CRC of ${type}`).toBe(
      crc32(png.subarray(offset + 4, offset + 8 + length)),
    );
    out.push({ type, data });
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  return out;
}

describe('PNG encoder', () => {
  it('writes signature, IHDR (8-bit RGBA), IDAT that inflates to height × (1 + 4 × width), IEND', () => {
    const image = renderImage({ prompt: 'hello worker', seed: 1, width: 96, height: 40 });
    const png = encodePng(image, { parameters: '{"seed":1}' });
    expect(png.subarray(0, 8)).toEqual(pngSignature);
    const list = chunks(png);
    expect(list[0]?.type).toBe('IHDR');
    expect(list.at(-1)?.type).toBe('IEND');
    const header = list[0]!.data;
    expect(header.readUInt32BE(0)).toBe(96);
    expect(header.readUInt32BE(4)).toBe(40);
    expect([...header.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    const idat = Buffer.concat(list.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data));
    const scanlines = inflateSync(idat);
    expect(scanlines.length).toBe(40 * (1 + 96 * 4));
    const text = list.find((chunk) => chunk.type === 'tEXt')!.data.toString('latin1');
    expect(text).toBe('parameters\0{"seed":1}');
  });

  it('round-trips the pixels through the Sub filter', () => {
    const image = renderImage({ prompt: 'AB', seed: 9, width: 20, height: 10 });
    const scanlines = inflateSync(
      Buffer.concat(
        chunks(encodePng(image))
          .filter((chunk) => chunk.type === 'IDAT')
          .map((chunk) => chunk.data),
      ),
    );
    const decoded = Buffer.alloc(image.pixels.length);
    for (let y = 0; y < 10; y += 1) {
      expect(scanlines[y * 81]).toBe(1);
      for (let x = 0; x < 80; x += 1) {
        const left = x >= 4 ? decoded[y * 80 + x - 4]! : 0;
        decoded[y * 80 + x] = (scanlines[y * 81 + 1 + x]! + left) & 0xff;
      }
    }
    expect(decoded.equals(image.pixels)).toBe(true);
  });

  it('draws the prompt: text pixels differ from a blank render, and the seed picks the background', () => {
    const blank = renderImage({ prompt: ' ', seed: 3, width: 64, height: 64 });
    const text = renderImage({ prompt: 'HI', seed: 3, width: 64, height: 64 });
    const other = renderImage({ prompt: ' ', seed: 4, width: 64, height: 64 });
    expect(text.pixels.equals(blank.pixels)).toBe(false);
    expect(other.pixels.subarray(0, 4).equals(blank.pixels.subarray(0, 4))).toBe(false);
  });

  it('is deterministic: same input, same bytes', () => {
    const render = () => encodePng(renderImage({ prompt: 'same', seed: 5, width: 32, height: 32 }));
    expect(render().equals(render())).toBe(true);
  });
});

describe('APNG encoder', () => {
  it('declares the frame count in acTL and carries one fcTL per frame, IDAT then fdAT', () => {
    const frames = [0, 1, 2, 3, 4].map((index) =>
      renderImage({ prompt: 'go', seed: 1, width: 24, height: 16, phase: index / 5 }),
    );
    const list = chunks(encodeApng(frames, 8));
    const actl = list.find((chunk) => chunk.type === 'acTL')!;
    expect(actl.data.readUInt32BE(0)).toBe(5);
    expect(list.filter((chunk) => chunk.type === 'fcTL')).toHaveLength(5);
    expect(list.filter((chunk) => chunk.type === 'IDAT')).toHaveLength(1);
    const fdats = list.filter((chunk) => chunk.type === 'fdAT');
    expect(fdats).toHaveLength(4);
    // acTL comes before the first IDAT; sequence numbers run 0,1,2,… across fcTL and fdAT.
    expect(list.findIndex((chunk) => chunk.type === 'acTL')).toBeLessThan(
      list.findIndex((chunk) => chunk.type === 'IDAT'),
    );
    const sequence = list
      .filter((chunk) => chunk.type === 'fcTL' || chunk.type === 'fdAT')
      .map((chunk) => chunk.data.readUInt32BE(0));
    expect(sequence).toEqual([...sequence.keys()]);
    for (const fdat of fdats) expect(inflateSync(fdat.data.subarray(4)).length).toBe(16 * (1 + 24 * 4));
    const fctl = list.find((chunk) => chunk.type === 'fcTL')!.data;
    expect([fctl.readUInt16BE(20), fctl.readUInt16BE(22)]).toEqual([1, 8]);
  });
});
