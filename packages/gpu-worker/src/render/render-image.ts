import type { RgbaImage } from '../png/png.ts';
import { glyph, glyphHeight, glyphWidth } from './font.ts';

/** What a render depends on: the same values always give the same pixels. */
export interface RenderParams {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  /** 0..1 through an animation: shifts the background hue and the text's position. */
  phase?: number;
}

/** mulberry32: a small, well-mixed 32-bit PRNG, so a seed picks stable colours. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Splits text into lines of at most `columns` characters, breaking at spaces where it can. */
export function wrapText(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    let rest = word;
    while (rest.length > columns) {
      if (line) lines.push(line);
      line = '';
      lines.push(rest.slice(0, columns));
      rest = rest.slice(columns);
    }
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= columns) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A diagonal two-colour gradient picked by the seed, with the prompt drawn on it in the
 * built-in bitmap font (scaled to the image, wrapped, centred, dark on light or light on dark).
 */
export function renderImage(params: RenderParams): RgbaImage {
  const { width, height } = params;
  const phase = params.phase ?? 0;
  const random = seededRandom(params.seed);
  const hue = (random() + phase) % 1;
  const [r1, g1, b1] = hsl(hue, 0.55 + random() * 0.3, 0.35 + random() * 0.3);
  const [r2, g2, b2] = hsl((hue + 0.25 + random() * 0.25) % 1, 0.6, 0.5);
  const pixels = Buffer.alloc(width * height * 4);
  const span = width + height - 2 || 1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const t = (x + y) / span;
      const at = (y * width + x) * 4;
      pixels[at] = Math.round(r1 + (r2 - r1) * t);
      pixels[at + 1] = Math.round(g1 + (g2 - g1) * t);
      pixels[at + 2] = Math.round(b1 + (b2 - b1) * t);
      pixels[at + 3] = 255;
    }
  }
  const light = (r1 + g1 + b1) / 3 > 140;
  const ink = light ? 20 : 240;
  const scale = Math.max(1, Math.floor(Math.min(width, height) / 64));
  const cell = (glyphWidth + 1) * scale;
  const columns = Math.max(1, Math.floor((width - 2 * scale) / cell));
  const maxLines = Math.max(1, Math.floor((height - 2 * scale) / ((glyphHeight + 2) * scale)));
  const lines = wrapText(params.prompt, columns).slice(0, maxLines);
  const blockHeight = lines.length * (glyphHeight + 2) * scale;
  const drift = Math.round(phase * scale * 4);
  let top = Math.max(0, Math.floor((height - blockHeight) / 2)) + drift;
  for (const line of lines) {
    let left = Math.max(0, Math.floor((width - line.length * cell) / 2));
    for (const char of line) {
      glyph(char).forEach((row, gy) => {
        row.forEach((on, gx) => {
          if (!on) return;
          for (let dy = 0; dy < scale; dy += 1) {
            const y = top + gy * scale + dy;
            if (y < 0 || y >= height) continue;
            for (let dx = 0; dx < scale; dx += 1) {
              const x = left + gx * scale + dx;
              if (x < 0 || x >= width) continue;
              const at = (y * width + x) * 4;
              pixels[at] = ink;
              pixels[at + 1] = ink;
              pixels[at + 2] = ink;
            }
          }
        });
      });
      left += cell;
    }
    top += (glyphHeight + 2) * scale;
  }
  return { width, height, pixels };
}
