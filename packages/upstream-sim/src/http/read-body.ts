import type { IncomingMessage } from 'node:http';

export interface RequestBody {
  /** The body as received, for binary uploads (multipart files). */
  bytes: Buffer;
  raw: string;
  /** Parsed JSON, or `raw` when the body is empty or not JSON. */
  value: unknown;
  isJson: boolean;
}

/**
 * The whole body. Plain 'data'/'end' listeners rather than `for await`: the async iterator cost a
 * tenth of a small call's CPU. Rejects when the request is cut off before its end.
 */
export function readBody(request: IncomingMessage): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let ended = false;
    request.on('data', (part: Buffer) => parts.push(part));
    request.once('end', () => {
      ended = true;
      resolve(parseBody(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)));
    });
    request.once('error', reject);
    request.once('close', () => {
      if (!ended) reject(new Error('request closed before its body ended'));
    });
  });
}

function parseBody(bytes: Buffer): RequestBody {
  const raw = bytes.toString('utf8');
  if (raw.trim() === '') return { bytes, raw, value: raw, isJson: false };
  try {
    return { bytes, raw, value: JSON.parse(raw), isJson: true };
  } catch {
    return { bytes, raw, value: raw, isJson: false };
  }
}
