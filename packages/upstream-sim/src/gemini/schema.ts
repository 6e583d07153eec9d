import { isRecord } from '../json.ts';
import type { FieldErrors } from './errors.ts';
import { field, joinPath, listField } from './proto-json.ts';

const NESTED_SCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'] as const;
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const SCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties'] as const;
const NUMERIC = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const;

/**
 * A schema in the form `sampleJson` reads: lowercase JSON Schema types. Works on both the
 * OpenAPI-subset `Schema` (uppercase `type`, int64 limits as strings, snake_case keys) and on
 * `*JsonSchema` fields, which clients also send with uppercase types (gemini-cli does).
 * With `allProperties`, objects list every property as required, in `propertyOrdering` order:
 * structured output fills in every field, while function arguments keep to the required ones.
 */
export function toSamplingSchema(schema: unknown, allProperties: boolean): Record<string, unknown> {
  if (!isRecord(schema)) return {};
  const result: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(schema)) {
    const key = rawKey.includes('_') && !rawKey.startsWith('$') ? camel(rawKey) : rawKey;
    result[key] = value;
  }
  const type = result['type'];
  if (typeof type === 'string') {
    const lower = type.toLowerCase();
    if (lower === 'type_unspecified') delete result['type'];
    else result['type'] = lower;
  } else if (Array.isArray(type)) {
    result['type'] = type.map((entry) => (typeof entry === 'string' ? entry.toLowerCase() : entry));
  }
  for (const key of NUMERIC) {
    if (typeof result[key] === 'string') result[key] = Number(result[key]);
  }
  for (const key of NESTED_SCHEMAS) {
    if (isRecord(result[key])) result[key] = toSamplingSchema(result[key], allProperties);
  }
  for (const key of SCHEMA_LISTS) {
    const list = result[key];
    if (Array.isArray(list)) result[key] = list.map((entry) => toSamplingSchema(entry, allProperties));
  }
  for (const key of SCHEMA_MAPS) {
    const entries = result[key];
    if (!isRecord(entries)) continue;
    result[key] = Object.fromEntries(
      Object.entries(entries).map(([name, entry]) => [name, toSamplingSchema(entry, allProperties)]),
    );
  }
  // The OpenAPI form spells references `ref` / `defs` (`#/defs/Name`).
  if (typeof result['ref'] === 'string' && result['$ref'] === undefined) {
    result['$ref'] = result['ref'].replace('#/defs/', '#/$defs/');
  }
  if (isRecord(result['defs']) && result['$defs'] === undefined) {
    result['$defs'] = Object.fromEntries(
      Object.entries(result['defs']).map(([name, entry]) => [name, toSamplingSchema(entry, allProperties)]),
    );
  }
  if (allProperties && isRecord(result['properties'])) {
    const ordering = Array.isArray(result['propertyOrdering'])
      ? result['propertyOrdering'].filter((name): name is string => typeof name === 'string')
      : [];
    const names = [...ordering, ...Object.keys(result['properties'])];
    result['required'] = [...new Set(names)].filter((name) =>
      Object.hasOwn(result['properties'] as object, name),
    );
  }
  return result;
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Checks of the OpenAPI-subset `Schema` beyond its proto shape, worded as the API words them:
 * an OBJECT needs properties, and `required` may only name defined properties.
 */
export function checkSchema(schema: unknown, path: string, errors: FieldErrors): void {
  if (!isRecord(schema)) return;
  const typeValue = field(schema, 'type');
  const type = typeof typeValue === 'string' ? typeValue.toUpperCase() : typeValue;
  const properties = field(schema, 'properties');
  const propertyNames = isRecord(properties) ? Object.keys(properties) : [];
  if (type === 'OBJECT' && propertyNames.length === 0) {
    errors.add(joinPath(path, 'properties'), 'should be non-empty for OBJECT type');
  }
  listField(schema, 'required').forEach((name, index) => {
    if (typeof name === 'string' && !propertyNames.includes(name)) {
      errors.add(`${joinPath(path, 'required')}[${index}]`, 'property is not defined');
    }
  });
  if (isRecord(properties)) {
    Object.values(properties).forEach((entry, index) => {
      checkSchema(entry, `${joinPath(path, 'properties')}[${index}].value`, errors);
    });
  }
  const items = field(schema, 'items');
  if (isRecord(items)) checkSchema(items, joinPath(path, 'items'), errors);
  listField(schema, 'anyOf').forEach((entry, index) => {
    checkSchema(entry, `${joinPath(path, 'any_of')}[${index}]`, errors);
  });
}
