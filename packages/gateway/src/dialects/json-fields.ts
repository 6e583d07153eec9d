import type { Json } from '../contracts/index.ts';
/** Readers for loosely typed upstream JSON: a finite number (else 0) and an object (else {}). */
export const num = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

export const obj = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : {};

/** Copies the fields `source` sets (not null) onto `target`, for fields two wire formats share as is. */
export function copyFields(target: Json, source: Json, fields: readonly string[]): void {
  for (const field of fields) {
    if (source[field] !== undefined && source[field] !== null) target[field] = source[field];
  }
}
