import { GatewayError } from '../errors/index.ts';
import type { AudioFile } from '../providers/audio/types.ts';

/** Shortest reference a voice clone accepts (docs/api-contract.md §7: "reference voice ≥ 10 s"). */
export const minCloneSeconds = 10;
/** Largest audio file the gateway fetches for a clone reference or a transcription. */
export const maxAudioBytes = 25 * 1024 * 1024;
/** Time allowed to fetch one audio URL (DNS, redirects and body). */
export const audioFetchTimeoutMs = 30_000;
/** The audio types accepted from a client's URL (sniffed from the bytes, not the server's claim). */
export const audioContentTypes = ['audio/mpeg', 'audio/wav', 'audio/ogg', 'audio/flac', 'audio/mp4'] as const;

const extensions: Readonly<Record<string, string>> = {
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
  'audio/mp4': 'm4a',
};

export const audioExtension = (contentType: string): string => extensions[contentType] ?? 'bin';

/**
 * Seconds of audio in a file, decoded from its container (WAV header, MPEG frames, Ogg
 * granule positions, FLAC stream info, MP4 boxes) by `music-metadata`; undefined when the
 * file does not say or cannot be decoded.
 * @see https://github.com/Borewit/music-metadata#readme
 */
export async function audioDurationSeconds(bytes: Buffer, contentType: string): Promise<number | undefined> {
  try {
    // Imported on first use: ~20 MB resident that a gateway without audio never needs.
    const { parseBuffer } = await import('music-metadata');
    const metadata = await parseBuffer(
      bytes,
      { mimeType: contentType, size: bytes.length },
      { duration: true },
    );
    const seconds = metadata.format.duration;
    return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

/** A clone reference, decoded: at least `minCloneSeconds` long, else a 400 naming `audio`. */
export async function checkCloneReference(file: AudioFile): Promise<number> {
  const seconds = await audioDurationSeconds(file.bytes, file.contentType);
  if (seconds === undefined) {
    throw new GatewayError('invalid_request', {
      param: 'audio',
      message:
        'Invalid field audio: the reference audio could not be decoded (send MP3, WAV, Ogg, FLAC or M4A).',
    });
  }
  if (seconds < minCloneSeconds) {
    throw new GatewayError('invalid_request', {
      param: 'audio',
      message: `Invalid field audio: the reference voice must be at least ${minCloneSeconds} s long (this one is ${seconds.toFixed(1)} s).`,
    });
  }
  return seconds;
}
