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

/** Random id in the style the real APIs use (`chatcmpl-…`, `call_…`, `req_…`). */
export function randomId(prefix: string, length: number, alphabet: string = ALPHABET): string {
  let id = prefix;
  for (let index = 0; index < length; index++) id += alphabet.charAt(randomByte() % alphabet.length);
  return id;
}

export function randomHex(prefix: string, length: number): string {
  return randomId(prefix, length, '0123456789abcdef');
}
