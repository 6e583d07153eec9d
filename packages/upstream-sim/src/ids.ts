import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: a few ids per request each asking
 * the OS for 24–32 bytes was a tenth of the simulator's CPU under load (the way Node's own
 * `randomUUID` caches entropy).
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++] as number;
}

let scratch = Buffer.alloc(64);

/** Random id in the style the real APIs use (`chatcmpl-…`, `call_…`, `req_…`); `alphabet` is ASCII. */
export function randomId(prefix: string, length: number, alphabet: string = ALPHABET): string {
  // Built in a scratch buffer and read back as one string: appending one character at a time
  // made a string per character.
  if (scratch.length < length) scratch = Buffer.alloc(length);
  for (let index = 0; index < length; index++)
    scratch[index] = alphabet.charCodeAt(randomByte() % alphabet.length);
  return prefix + scratch.toString('latin1', 0, length);
}

export function randomHex(prefix: string, length: number): string {
  return randomId(prefix, length, '0123456789abcdef');
}
