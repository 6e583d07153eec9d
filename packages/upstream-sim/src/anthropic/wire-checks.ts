import { isRecord } from '../json.ts';
import { fail } from './errors.ts';

/**
 * Field checks worded like the API's validation errors (`max_tokens: Field required`,
 * `messages.0.name: Extra inputs are not permitted`): a dotted path, a colon, the complaint.
 */
export function at(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

export function requireField(body: Record<string, unknown>, key: string, path: string): unknown {
  const value = body[key];
  if (value === undefined) fail(`${at(path, key)}: Field required`);
  return value;
}

export function rejectExtraFields(
  body: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) fail(`${at(path, key)}: Extra inputs are not permitted`);
  }
}

export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(`${path}: Input should be a valid string`);
  return value;
}

export function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`${path}: Input should be a valid dictionary`);
  return value;
}

export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(`${path}: Input should be a valid list`);
  return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') fail(`${path}: Input should be a valid boolean`);
  return value;
}

export function expectInteger(value: unknown, path: string, min?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(`${path}: Input should be a valid integer`);
  if (min !== undefined && value < min) fail(`${path}: Input should be greater than or equal to ${min}`);
  return value;
}

export function optionalNumber(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${path}: Input should be a valid number`);
  if (value < min) fail(`${path}: Input should be greater than or equal to ${min}`);
  if (value > max) fail(`${path}: Input should be less than or equal to ${max}`);
  return value;
}

export function expectLiteral<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const quoted = allowed.map((entry) => `'${entry}'`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted.join('');
  fail(`${path}: Input should be ${list}`);
}
