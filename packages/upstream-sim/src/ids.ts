import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random id in the style the real APIs use (`chatcmpl-…`, `call_…`, `req_…`). */
export function randomId(prefix: string, length: number, alphabet: string = ALPHABET): string {
  let id = prefix;
  for (const byte of randomBytes(length)) id += alphabet.charAt(byte % alphabet.length);
  return id;
}

export function randomHex(prefix: string, length: number): string {
  return randomId(prefix, length, '0123456789abcdef');
}
