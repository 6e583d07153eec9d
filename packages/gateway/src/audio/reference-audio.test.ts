import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.ts';
import { audioDurationSeconds, checkCloneReference } from './reference-audio.ts';

/** A mono 8-bit PCM WAV of `seconds` at 8 kHz (silence). */
function wav(seconds: number): Buffer {
  const data = Buffer.alloc(Math.round(seconds * 8000), 0x80);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const file = (bytes: Buffer) => ({ bytes, contentType: 'audio/wav', filename: 'voice.wav' });

describe('reference audio', () => {
  it('decodes the duration from the file, not its size or claimed type', async () => {
    expect(await audioDurationSeconds(wav(12.5), 'audio/wav')).toBeCloseTo(12.5, 3);
    expect(
      await audioDurationSeconds(Buffer.from('RIFF junk that is not a wave'), 'audio/wav'),
    ).toBeUndefined();
  });

  it('accepts a clone reference of 10 s or more and refuses a shorter or undecodable one, naming audio', async () => {
    expect(await checkCloneReference(file(wav(10)))).toBeCloseTo(10, 3);
    for (const bytes of [wav(9.9), Buffer.from('not audio at all')]) {
      const error = await checkCloneReference(file(bytes)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'invalid_request', param: 'audio' });
    }
  });
});
