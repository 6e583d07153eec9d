import { isRecord } from '../json.ts';
import { GeminiRequestError } from './errors.ts';

/**
 * The proto message shapes behind the REST API, as far as the simulator checks them. Google's
 * front end parses the JSON body into protos before anything else looks at it, which is where
 * unknown fields (`Unknown name "additionalProperties" at '…': Cannot find field.`) and
 * mistyped values (`Invalid value at '…' (TYPE_STRING), 5`) are caught.
 */
export type Shape =
  | { kind: 'string' | 'bool' | 'int32' | 'int64' | 'float' | 'bytes' }
  /** `google.protobuf.Value` / `Struct`: any JSON (an object for `Struct`). */
  | { kind: 'value' | 'struct' }
  /** A nested config the simulator does not interpret: accepted as it is. */
  | { kind: 'opaque' }
  | { kind: 'enum'; name: string; values: readonly string[] }
  | MessageShape
  | { kind: 'repeated'; of: Shape }
  | { kind: 'map'; of: Shape };

export interface MessageShape {
  kind: 'message';
  name: string;
  /** camelCase field names; a function so messages can refer to themselves (Schema). */
  fields: () => Record<string, Shape>;
}

export const STRING: Shape = { kind: 'string' };
export const BOOL: Shape = { kind: 'bool' };
export const INT32: Shape = { kind: 'int32' };
export const INT64: Shape = { kind: 'int64' };
export const FLOAT: Shape = { kind: 'float' };
export const BYTES: Shape = { kind: 'bytes' };
export const VALUE: Shape = { kind: 'value' };
export const STRUCT: Shape = { kind: 'struct' };
export const OPAQUE: Shape = { kind: 'opaque' };

export function repeated(of: Shape): Shape {
  return { kind: 'repeated', of };
}

export function map(of: Shape): Shape {
  return { kind: 'map', of };
}

export function enumOf(name: string, values: readonly string[]): Shape {
  return { kind: 'enum', name, values };
}

export function message(name: string, fields: () => Record<string, Shape>): MessageShape {
  return { kind: 'message', name, fields };
}

interface Violation {
  field: string;
  description: string;
}

const PACKAGE = 'type.googleapis.com/google.ai.generativelanguage.v1beta';
// Standard and URL-safe alphabets, padding optional: what the proto JSON parser accepts.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Checks a body against a message shape and throws every violation at once, as the API does:
 * the descriptions joined by newlines, and a `google.rpc.BadRequest` detail listing them.
 * Fields may be spelled in camelCase or snake_case (both are valid proto JSON); paths in the
 * messages use snake_case, repeated fields `[i]`, and map entries `[i].value`.
 */
export function checkProtoJson(body: unknown, shape: MessageShape): void {
  const violations: Violation[] = [];
  if (!isRecord(body)) {
    violations.push({
      field: '',
      description: 'Invalid JSON payload received. Unknown name "": Root element must be a message.',
    });
  } else {
    checkFields(body, shape, '', violations);
  }
  if (violations.length === 0) return;
  throw new GeminiRequestError(400, violations.map((violation) => violation.description).join('\n'), [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: violations.map(({ field, description }) =>
        field === '' ? { description } : { field, description },
      ),
    },
  ]);
}

/** The camelCase field a JSON key names, accepting the snake_case spelling too. */
export function fieldName(key: string, fields: Record<string, Shape>): string | undefined {
  if (Object.hasOwn(fields, key)) return key;
  const camel = key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  return camel !== key && Object.hasOwn(fields, camel) ? camel : undefined;
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function joinPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function checkFields(
  body: Record<string, unknown>,
  shape: MessageShape,
  path: string,
  violations: Violation[],
): void {
  const fields = shape.fields();
  for (const [key, value] of Object.entries(body)) {
    const name = fieldName(key, fields);
    const fieldShape = name === undefined ? undefined : fields[name];
    if (name === undefined || fieldShape === undefined) {
      violations.push({
        field: path,
        description: `Invalid JSON payload received. Unknown name "${key}"${path === '' ? '' : ` at '${path}'`}: Cannot find field.`,
      });
      continue;
    }
    check(value, fieldShape, joinPath(path, snakeCase(name)), violations, key, path);
  }
}

function check(
  value: unknown,
  shape: Shape,
  path: string,
  violations: Violation[],
  key: string,
  parent: string,
): void {
  // JSON null is the default value: the field is simply unset.
  if (value === null) return;
  if (shape.kind === 'repeated') {
    // The parser also takes a single element where a list is expected.
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, index) => {
      check(item, shape.of, Array.isArray(value) ? `${path}[${index}]` : path, violations, key, parent);
    });
    return;
  }
  if (Array.isArray(value) && shape.kind !== 'value' && shape.kind !== 'opaque') {
    violations.push({
      field: path,
      description: `Invalid JSON payload received. Unknown name "${key}"${parent === '' ? '' : ` at '${parent}'`}: Proto field is not repeating, cannot start list.`,
    });
    return;
  }
  if (shape.kind === 'message' && isRecord(value)) {
    checkFields(value, shape, path, violations);
    return;
  }
  if (shape.kind === 'map' && isRecord(value)) {
    Object.entries(value).forEach(([entryKey, entry], index) => {
      check(entry, shape.of, `${path}[${index}].value`, violations, entryKey, path);
    });
    return;
  }
  const problem = scalarProblem(value, shape);
  if (problem) {
    violations.push({
      field: path,
      description: `Invalid value at '${path}' (${problem.type}), ${problem.shown}`,
    });
  }
}

/** What is wrong with a value for a non-container shape (or a container given a scalar), if anything. */
function scalarProblem(value: unknown, shape: Shape): { type: string; shown: string } | undefined {
  const wrong = (type: string, shown: string = render(value)) => ({ type, shown });
  switch (shape.kind) {
    case 'message':
    case 'enum':
      if (shape.kind === 'enum' && isEnumValue(value, shape.values)) return undefined;
      return wrong(`${PACKAGE}.${shape.name}`);
    case 'map':
      return wrong('map');
    case 'struct':
      return isRecord(value) ? undefined : wrong('type.googleapis.com/google.protobuf.Struct');
    case 'value':
    case 'opaque':
    case 'repeated':
      return undefined;
    case 'string':
      return typeof value === 'string' ? undefined : wrong('TYPE_STRING');
    case 'bool':
      return typeof value === 'boolean' ? undefined : wrong('TYPE_BOOL');
    case 'int32':
      return isInteger(value, true) ? undefined : wrong('TYPE_INT32');
    case 'int64':
      return isInteger(value, false) ? undefined : wrong('TYPE_INT64');
    case 'float':
      return isFloat(value) ? undefined : wrong('TYPE_FLOAT');
    case 'bytes':
      if (typeof value !== 'string') return wrong('TYPE_BYTES');
      return BASE64.test(value)
        ? undefined
        : wrong('TYPE_BYTES', `Base64 decoding failed for ${JSON.stringify(value)}`);
  }
}

function render(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Proto JSON takes integers as numbers or as decimal strings. */
function isInteger(value: unknown, int32: boolean): boolean {
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) return false;
  return !int32 || (number >= -2_147_483_648 && number <= 2_147_483_647);
}

function isFloat(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'string') return false;
  return ['NaN', 'Infinity', '-Infinity'].includes(value) || Number.isFinite(Number(value));
}

/**
 * An enum value by name or number. Names match case-insensitively, as Google's JSON parser
 * takes them: `@google/genai` uppercases schema types, `@ai-sdk/google` sends `type: "object"`.
 */
function isEnumValue(value: unknown, values: readonly string[]): boolean {
  if (typeof value === 'string') return values.includes(value.toUpperCase());
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < values.length;
}

/** An enum field's value as its canonical (uppercase) name; numbers map to their position. */
export function enumField(
  body: Record<string, unknown>,
  name: string,
  values: readonly string[],
): string | undefined {
  const value = field(body, name);
  if (typeof value === 'string') return value.toUpperCase();
  return typeof value === 'number' ? values[value] : undefined;
}

/** Reads a field by its camelCase name, also when the client spelled it in snake_case. */
export function field(body: Record<string, unknown>, name: string): unknown {
  if (body[name] !== undefined && body[name] !== null) return body[name];
  const snake = snakeCase(name);
  return snake === name ? undefined : (body[snake] ?? undefined);
}

/** A numeric field the shape check already accepted (number or decimal string). */
export function numberField(body: Record<string, unknown>, name: string): number | undefined {
  const value = field(body, name);
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : Number(value);
}

/** A repeated field the shape check already accepted (a list, or one element). */
export function listField(body: Record<string, unknown>, name: string): unknown[] {
  const value = field(body, name);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
