import { describe, expect, it } from 'vitest';
import { encodeSilentMp3, mp3DurationSeconds } from './mp3.ts';
import { encodeMp4, readMp4Info } from './mp4.ts';
import { encodeSilentOggOpus, oggOpusDurationSeconds } from './ogg-opus.ts';
import { encodePcm, encodeWav, readWavComment, readWavInfo } from './wav.ts';

describe('MP4 container', () => {
  it('is an ISO BMFF file: ftyp first, then moov with mvhd duration and the track size', () => {
    const bytes = encodeMp4({ durationSeconds: 7.5, width: 1920, height: 1080 });
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
    expect(bytes.readUInt32BE(0)).toBe(32);
    expect(bytes.toString('latin1', 36, 40)).toBe('moov');
    expect(bytes.readUInt32BE(32)).toBe(bytes.length - 32);
    expect(readMp4Info(bytes)).toEqual({
      majorBrand: 'isom',
      durationSeconds: 7.5,
      width: 1920,
      height: 1080,
    });
    expect(() => readMp4Info(Buffer.from('not a video'))).toThrow();
  });
});

describe('WAV, PCM and MP3 audio', () => {
  it('WAV: a RIFF header that decoders accept, the length asked for, an optional comment', () => {
    const wav = encodeWav(1.5, 22_050, 'hello world');
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(readWavInfo(wav)).toEqual({
      sampleRate: 22_050,
      channels: 1,
      bitsPerSample: 16,
      durationSeconds: 1.5,
    });
    expect(readWavComment(wav)).toBe('hello world');
    expect(readWavComment(encodeWav(1))).toBeUndefined();
    expect(encodePcm(1, 16_000).length).toBe(32_000);
  });

  it('MP3: whole frames with a valid MPEG-1 Layer III header, about the length asked for', () => {
    const mp3 = encodeSilentMp3(2);
    expect(mp3[0]).toBe(0xff);
    expect((mp3[1] ?? 0) & 0xe0).toBe(0xe0);
    expect(mp3.length % 417).toBe(0);
    expect(mp3DurationSeconds(mp3)).toBeGreaterThanOrEqual(2);
    expect(mp3DurationSeconds(mp3)).toBeLessThan(2.03);
  });

  it('Ogg Opus: OpusHead and OpusTags pages, CRC-checked pages, the length in the last granule', () => {
    const ogg = encodeSilentOggOpus(2.5);
    expect(ogg.toString('latin1', 0, 4)).toBe('OggS');
    expect(ogg.toString('latin1', 28, 36)).toBe('OpusHead');
    expect(oggOpusDurationSeconds(ogg)).toBeCloseTo(2.5, 2);
    const corrupt = Buffer.from(ogg);
    corrupt[corrupt.length - 1] = 0x00; // a packet byte of the last page: its CRC no longer matches
    expect(() => oggOpusDurationSeconds(corrupt)).toThrow(/CRC/);
  });
});
