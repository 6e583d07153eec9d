import { describe, expect, it } from 'vitest';
import { encodeBandsPng, readPngInfo } from './png.ts';
import { renderImage, sizeForAspect } from './render.ts';

describe('PNG encoder', () => {
  it('writes a well-formed indexed PNG whose rows hold the band colours', () => {
    const red = { r: 255, g: 0, b: 0 };
    const blue = { r: 0, g: 0, b: 255 };
    const png = encodeBandsPng({
      width: 7,
      height: 5,
      bands: [
        { color: red, rows: 2 },
        { color: blue, rows: 1 },
      ],
    });
    const info = readPngInfo(png);
    expect(info).toMatchObject({ width: 7, height: 5, bitDepth: 8, colorType: 3 });
    expect(info.palette).toEqual([
      [255, 0, 0],
      [0, 0, 255],
    ]);
    // Row 0 and 1 use palette entry 0; the last band fills the remaining rows.
    const rowIndex = (row: number): number[] => [...info.scanlines.subarray(row * 8 + 1, row * 8 + 8)];
    expect(rowIndex(1)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(rowIndex(2)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(rowIndex(4)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(info.transparency).toEqual([]);
  });

  it('marks the first band transparent when asked', () => {
    const info = readPngInfo(
      encodeBandsPng({
        width: 2,
        height: 2,
        bands: [{ color: { r: 1, g: 2, b: 3 }, rows: 1 }],
        transparentFirst: true,
      }),
    );
    expect(info.transparency).toEqual([0]);
  });

  it('rejects corrupted bytes', () => {
    const png = encodeBandsPng({ width: 4, height: 4, bands: [{ color: { r: 9, g: 9, b: 9 }, rows: 4 }] });
    const broken = Buffer.from(png);
    broken[20] = (broken[20] ?? 0) ^ 0xff;
    expect(() => readPngInfo(broken)).toThrow(/CRC/);
    expect(() => readPngInfo(Buffer.from('not a png'))).toThrow(/signature/);
  });

  it('renders large pictures small and fast, deterministic per prompt', () => {
    const started = performance.now();
    const big = renderImage({ width: 4096, height: 4096, seedText: 'a red fox' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(big.bytes.length).toBeLessThan(200_000);
    expect(readPngInfo(big.bytes)).toMatchObject({ width: 4096, height: 4096 });
    const again = renderImage({ width: 4096, height: 4096, seedText: 'a red fox' });
    expect(again.bytes.equals(big.bytes)).toBe(true);
    const other = renderImage({ width: 4096, height: 4096, seedText: 'a blue whale' });
    expect(other.bytes.equals(big.bytes)).toBe(false);
    const second = renderImage({ width: 4096, height: 4096, seedText: 'a red fox', index: 1 });
    expect(second.bytes.equals(big.bytes)).toBe(false);
  });

  it('sizes aspect ratios on a grid', () => {
    expect(sizeForAspect('1:1', 1024 * 1024)).toEqual({ width: 1024, height: 1024 });
    const wide = sizeForAspect('16:9', 1024 * 1024, 32);
    expect(wide && wide.width % 32).toBe(0);
    expect(wide && wide.width > wide.height).toBe(true);
    expect(sizeForAspect('wide', 1024)).toBeUndefined();
  });
});
