import { randomBytes } from 'node:crypto';

/** Time-ordered, collision-safe ids: `<prefix>_<ms base36><random>`. */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}
