import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GatewayError } from '../errors/index.ts';
import type { StoredObject } from './object-store.ts';

export function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError('payload_too_large', {
    message: `The file is larger than the ${maxBytes}-byte limit.`,
    param: 'file',
  });
}

/**
 * Writes `body` to `path` while hashing and counting it; past `maxBytes` the write is
 * abandoned, the partial file removed, and a 413 thrown.
 */
export async function spoolToFile(
  body: Buffer | Readable,
  path: string,
  maxBytes: number,
): Promise<StoredObject> {
  if (Buffer.isBuffer(body) && body.length > maxBytes) throw tooLarge(maxBytes);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(tooLarge(maxBytes));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  try {
    await pipeline(source, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}
