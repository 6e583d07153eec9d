/**
 * A real PCM WAV (RIFF `WAVE`, `fmt ` chunk format 1, 16-bit mono): a quiet sine tone of the
 * requested length, so a client can decode it and measure its duration.
 * @see https://www.mmsp.ece.mcgill.ca/Documents/AudioFormats/WAVE/WAVE.html
 */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  durationSeconds: number;
}

/**
 * `comment`, when given, is stored in a `LIST`/`INFO` `ICMT` chunk after the samples (players
 * ignore it); the simulated ASR reads it back as the transcript.
 */
export function encodeWav(seconds: number, sampleRate = 44_100, comment?: string, toneHz = 220): Buffer {
  const samples = Math.max(1, Math.round(seconds * sampleRate));
  const data = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index += 1) {
    const value = Math.round(Math.sin((2 * Math.PI * toneHz * index) / sampleRate) * 3000);
    data.writeInt16LE(value, index * 2);
  }
  const header = wavHeader(data.length, sampleRate);
  if (comment === undefined) return Buffer.concat([header, data]);
  const text = Buffer.from(`${comment}\0`, 'utf8');
  const padded = Buffer.concat([text, Buffer.alloc(text.length % 2)]);
  const list = Buffer.alloc(20);
  list.write('LIST', 0, 'latin1');
  list.writeUInt32LE(12 + padded.length, 4);
  list.write('INFO', 8, 'latin1');
  list.write('ICMT', 12, 'latin1');
  list.writeUInt32LE(text.length, 16);
  header.writeUInt32LE(36 + data.length + list.length + padded.length, 4);
  return Buffer.concat([header, data, list, padded]);
}

/** The `ICMT` comment of a WAV's `LIST`/`INFO` chunk, if any. */
export function readWavComment(bytes: Uint8Array): string | undefined {
  const data = Buffer.from(bytes);
  let at = data.indexOf('ICMT', 12, 'latin1');
  if (at === -1 || at + 8 > data.length) return undefined;
  const size = data.readUInt32LE(at + 4);
  at += 8;
  return data.toString('utf8', at, at + size).replace(/\0+$/, '');
}

/** Raw 16-bit little-endian mono samples, Fish Audio's `pcm` format. */
export function encodePcm(seconds: number, sampleRate = 44_100): Buffer {
  return encodeWav(seconds, sampleRate).subarray(44);
}

function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** Parses a RIFF/WAVE header (any chunk order) and the length of its `data` chunk. */
export function readWavInfo(bytes: Uint8Array): WavInfo {
  const data = Buffer.from(bytes);
  if (data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file');
  }
  let at = 12;
  let format: { sampleRate: number; channels: number; bitsPerSample: number } | undefined;
  while (at + 8 <= data.length) {
    const id = data.toString('latin1', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      format = {
        channels: data.readUInt16LE(at + 10),
        sampleRate: data.readUInt32LE(at + 12),
        bitsPerSample: data.readUInt16LE(at + 22),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data before fmt');
      const frameBytes = (format.channels * format.bitsPerSample) / 8;
      return { ...format, durationSeconds: size / frameBytes / format.sampleRate };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}
