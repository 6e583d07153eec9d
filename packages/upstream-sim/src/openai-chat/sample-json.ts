import { isRecord } from '../json.ts';

/**
 * A plausible value for a JSON Schema: what a model would emit for tool arguments or a
 * `json_schema` response. Objects get their required properties (all of them under `strict`,
 * where the API requires every property to be listed as required).
 */
export function sampleJson(schema: unknown, hint = ''): unknown {
  return sample(schema, schema, hint, 0);
}

const MAX_DEPTH = 8;

function sample(schema: unknown, root: unknown, hint: string, depth: number): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return null;
  const resolved = resolveRef(schema, root);
  if (resolved['const'] !== undefined) return resolved['const'];
  if (Array.isArray(resolved['enum']) && resolved['enum'].length > 0) return resolved['enum'][0];
  const variants = resolved['anyOf'] ?? resolved['oneOf'];
  if (Array.isArray(variants)) return sample(firstNonNull(variants), root, hint, depth + 1);
  if (Array.isArray(resolved['allOf'])) return sample(resolved['allOf'][0], root, hint, depth + 1);
  switch (schemaType(resolved)) {
    case 'object':
      return sampleObject(resolved, root, depth);
    case 'array':
      return sampleArray(resolved, root, hint, depth);
    case 'string':
      return sampleString(resolved, hint);
    case 'integer':
      return sampleNumber(resolved, true);
    case 'number':
      return sampleNumber(resolved, false);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

function resolveRef(schema: Record<string, unknown>, root: unknown): Record<string, unknown> {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let target: unknown = root;
  for (const segment of ref.slice(2).split('/')) target = isRecord(target) ? target[segment] : undefined;
  return isRecord(target) ? target : {};
}

function firstNonNull(variants: unknown[]): unknown {
  return variants.find((variant) => !(isRecord(variant) && variant['type'] === 'null')) ?? variants[0];
}

function schemaType(schema: Record<string, unknown>): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((entry) => entry !== 'null');
  if (isRecord(schema['properties'])) return 'object';
  return undefined;
}

function sampleObject(
  schema: Record<string, unknown>,
  root: unknown,
  depth: number,
): Record<string, unknown> {
  const properties = isRecord(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  const result: Record<string, unknown> = {};
  for (const key of required) {
    if (typeof key === 'string') result[key] = sample(properties[key] ?? {}, root, key, depth + 1);
  }
  return result;
}

function sampleArray(schema: Record<string, unknown>, root: unknown, hint: string, depth: number): unknown[] {
  const minItems = typeof schema['minItems'] === 'number' ? schema['minItems'] : 1;
  return Array.from({ length: Math.max(1, Math.min(minItems, 5)) }, () =>
    sample(schema['items'] ?? { type: 'string' }, root, hint, depth + 1),
  );
}

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2025-01-15T09:30:00Z',
  date: '2025-01-15',
  time: '09:30:00',
  email: 'ada@example.com',
  uri: 'https://example.com/',
  uuid: '123e4567-e89b-12d3-a456-426614174000',
};

const NAME_SAMPLES: Array<[RegExp, string]> = [
  [/location|city|place|address/i, 'San Francisco, CA'],
  [/country/i, 'United States'],
  [/unit/i, 'celsius'],
  [/email/i, 'ada@example.com'],
  [/url|link/i, 'https://example.com/'],
  [/date/i, '2025-01-15'],
  [/name/i, 'Ada Lovelace'],
  [/query|search|question|prompt|text/i, 'weather forecast'],
  [/lang/i, 'en'],
  [/id$/i, 'abc123'],
];

function sampleString(schema: Record<string, unknown>, hint: string): string {
  const format = typeof schema['format'] === 'string' ? FORMAT_SAMPLES[schema['format']] : undefined;
  if (format) return format;
  const byName = NAME_SAMPLES.find(([pattern]) => pattern.test(hint));
  const value = byName?.[1] ?? 'example';
  const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  return value.padEnd(minLength, 'x');
}

function sampleNumber(schema: Record<string, unknown>, integer: boolean): number {
  const minimum = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
  const maximum = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
  let value = integer ? 3 : 1.5;
  if (minimum !== undefined && value < minimum) value = minimum;
  if (maximum !== undefined && value > maximum) value = maximum;
  return integer ? Math.ceil(value) : value;
}
