import { isRecord } from '../json.ts';
import { invalidRequest, type OpenAiErrorBody } from './errors.ts';

/** Thrown while parsing a request; carries the 400 body the real API would send. */
export class InvalidRequestError extends Error {
  readonly body: OpenAiErrorBody;

  constructor(body: OpenAiErrorBody) {
    super(body.error.message);
    this.body = body;
  }
}

export function fail(message: string, param: string | null, code: string | null = null): never {
  throw new InvalidRequestError(invalidRequest(message, param, code));
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return `a ${typeof value}`;
}

function wrongType(param: string, expected: string, value: unknown): never {
  fail(
    `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`,
    param,
    'invalid_type',
  );
}

export function requireField(body: Record<string, unknown>, key: string, param: string = key): unknown {
  const value = body[key];
  if (value === undefined)
    fail(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  return value;
}

export function expectString(value: unknown, param: string): string {
  if (typeof value !== 'string') wrongType(param, 'a string', value);
  return value;
}

export function expectObject(value: unknown, param: string): Record<string, unknown> {
  if (!isRecord(value)) wrongType(param, 'an object', value);
  return value;
}

export function expectArray(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) wrongType(param, 'an array', value);
  return value;
}

export function optionalBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') wrongType(param, 'a boolean', value);
  return value;
}

export function optionalString(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return expectString(value, param);
}

/** Integer bounds the way the API words them (`integer_below_min_value`, …). */
export function optionalInteger(
  value: unknown,
  param: string,
  min: number,
  max?: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) wrongType(param, 'an integer', value);
  if (value < min) {
    fail(
      `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      param,
      'integer_below_min_value',
    );
  }
  if (max !== undefined && value > max) {
    fail(
      `Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      param,
      'integer_above_max_value',
    );
  }
  return value;
}

export function optionalDecimal(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') wrongType(param, 'a number', value);
  if (value < min) {
    fail(
      `Invalid '${param}': decimal below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      param,
      'decimal_below_min_value',
    );
  }
  if (value > max) {
    fail(
      `Invalid '${param}': decimal above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      param,
      'decimal_above_max_value',
    );
  }
  return value;
}

export function expectOneOf<T extends string>(value: unknown, allowed: readonly T[], param: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const quoted = allowed.map((entry) => `'${entry}'`);
  const list =
    quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}` : quoted.join('');
  fail(`Invalid value: '${String(value)}'. Supported values are: ${list}.`, param, 'invalid_value');
}
