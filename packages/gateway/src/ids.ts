import { randomBytes } from 'node:crypto';

/** A random per-process prefix plus a counter: unique across processes without a syscall per id. */
const processPart = randomBytes(6).toString('hex');
let counter = 0;

/** Time-ordered, collision-safe ids: `<prefix>_<ms base36><process random><counter>`. */
export function newId(prefix: string): string {
  counter = (counter + 1) % 0x1000000;
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${processPart}${counter.toString(16).padStart(6, '0')}`;
}
