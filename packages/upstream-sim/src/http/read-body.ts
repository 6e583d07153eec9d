import type { IncomingMessage } from 'node:http';

export interface RequestBody {
  raw: string;
  /** Parsed JSON, or `raw` when the body is empty or not JSON. */
  value: unknown;
  isJson: boolean;
}

export async function readBody(request: IncomingMessage): Promise<RequestBody> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const raw = Buffer.concat(parts).toString('utf8');
  if (raw.trim() === '') return { raw, value: raw, isJson: false };
  try {
    return { raw, value: JSON.parse(raw), isJson: true };
  } catch {
    return { raw, value: raw, isJson: false };
  }
}
