import { describe, expect, it } from 'vitest';
import { sniffMediaType } from './sniff-media.ts';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );

describe('sniffMediaType', () => {
  it.each([
    ['image/png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], '\0\0\0\rIHDR')],
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], '\0\x10JFIF\0')],
    ['image/gif', bytes('GIF87a\x01\0\x01\0')],
    ['image/gif', bytes('GIF89a\x01\0\x01\0')],
    ['image/webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')],
    ['audio/wav', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ')],
    ['audio/ogg', bytes('OggS\0\x02\0\0\0\0\0\0\0\0')],
    ['audio/flac', bytes('fLaC\0\0\0\x22')],
    ['audio/mpeg', bytes('ID3\x04\0\0\0\0\0\0')],
    ['audio/mpeg', bytes([0xff, 0xfb, 0x90, 0x64, 0, 0])],
    ['audio/mp4', bytes([0, 0, 0, 0x20], 'ftypM4A \0\0\0\0')],
    ['video/mp4', bytes([0, 0, 0, 0x20], 'ftypisom\0\0\0\0')],
  ])('recognises %s', (type, data) => {
    expect(sniffMediaType(data)).toBe(type);
  });

  it.each([
    ['HTML', bytes('<!doctype html><html>')],
    ['an ADTS (AAC) header, which is not MPEG audio layer I-III', bytes([0xff, 0xf1, 0x50, 0x80])],
    ['a RIFF container of another kind', bytes('RIFF', [0x24, 0, 0, 0], 'AVI LIST')],
    ['a truncated PNG signature', bytes([0x89, 0x50, 0x4e])],
    ['nothing', bytes()],
  ])('does not recognise %s', (_name, data) => {
    expect(sniffMediaType(data)).toBeUndefined();
  });
});
