import type { IncomingMessage } from 'node:http';

export interface RequestBody {
  /** The body as received, for binary uploads (multipart files). */
  bytes: Buffer;
  raw: string;
  /** Parsed JSON, or `raw` when the body is empty or not JSON. */
  value: unknown;
  isJson: boolean;
}

export async function readBody(request: IncomingMessage): Promise<RequestBody> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const bytes = Buffer.concat(parts);
  const raw = bytes.toString('utf8');
  if (raw.trim() === '') return { bytes, raw, value: raw, isJson: false };
  try {
    return { bytes, raw, value: JSON.parse(raw), isJson: true };
  } catch {
    return { bytes, raw, value: raw, isJson: false };
  }
}
