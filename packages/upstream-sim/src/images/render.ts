import { hashText, seededRandom } from '../text/seeded-random.ts';
import { encodeBandsPng, type Rgb } from './png.ts';

export interface RenderRequest {
  width: number;
  height: number;
  /** What the picture is "of": the prompt, plus anything that should change it (model, seed). */
  seedText: string;
  /** Which of several images of one request this is. */
  index?: number;
  transparentBackground?: boolean;
}

/** The bytes of a generated picture and how they are labelled. */
export interface RenderedImage {
  bytes: Buffer;
  mimeType: 'image/png';
  width: number;
  height: number;
}

/**
 * A deterministic stand-in picture: 3 to 8 horizontal colour bands whose colours and heights
 * come from the prompt (and seed and index), so the same request always gets the same bytes and
 * different prompts get different images. Always a PNG, whatever format was asked for.
 */
export function renderImage(request: RenderRequest): RenderedImage {
  const random = seededRandom(hashText(`${request.seedText}\u0000${request.index ?? 0}`));
  const count = 3 + Math.floor(random() * 6);
  const weights = Array.from({ length: count }, () => 1 + random() * 3);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const bands = weights.map((weight) => ({
    color: randomColor(random),
    rows: Math.max(1, Math.round((weight / total) * request.height)),
  }));
  const bytes = encodeBandsPng({
    width: request.width,
    height: request.height,
    bands,
    transparentFirst: request.transparentBackground === true,
  });
  return { bytes, mimeType: 'image/png', width: request.width, height: request.height };
}

function randomColor(random: () => number): Rgb {
  return {
    r: Math.floor(random() * 256),
    g: Math.floor(random() * 256),
    b: Math.floor(random() * 256),
  };
}

/** `1024x1536` → {width, height}; undefined when it is not `<int>x<int>`. */
export function parseDimensions(size: string): { width: number; height: number } | undefined {
  const match = /^(\d{1,5})[x*×](\d{1,5})$/i.exec(size.trim());
  if (!match) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * Width and height for an aspect ratio `W:H` at about `pixels` pixels, rounded to multiples of
 * `multiple` (the size grids image models use).
 */
export function sizeForAspect(
  ratio: string,
  pixels: number,
  multiple = 16,
): { width: number; height: number } | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio.trim());
  if (!match) return undefined;
  const w = Number(match[1]);
  const h = Number(match[2]);
  if (!(w > 0 && h > 0)) return undefined;
  const height = Math.sqrt(pixels / (w / h));
  const width = height * (w / h);
  const round = (value: number): number => Math.max(multiple, Math.round(value / multiple) * multiple);
  return { width: round(width), height: round(height) };
}
