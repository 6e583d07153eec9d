import type { Json } from '../../contracts/index.ts';

type KeyMapper = (value: unknown, out: Json, schema: Json) => void;

const mapEach = (value: unknown): unknown =>
  Array.isArray(value) ? (value as unknown[]).map(toJsonSchema) : value;

/** Keys whose Gemini form differs from JSON Schema; every other key means the same in both. */
const keyMappers: Record<string, KeyMapper> = {
  type: (value, out, schema) => {
    if (typeof value !== 'string' || value === 'TYPE_UNSPECIFIED') return;
    const type = value.toLowerCase();
    out['type'] = schema['nullable'] === true && type !== 'null' ? [type, 'null'] : type;
  },
  nullable: (value, out, schema) => {
    // With a type the null goes into it (see `type`); an enum must list null too to allow it.
    if (value === true && Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(null)) {
      out['enum'] = [...(schema['enum'] as unknown[]), null];
    }
  },
  enum: (value, out) => {
    if (out['enum'] === undefined) out['enum'] = value;
  },
  // `format: "enum"` marks a STRING enum in Gemini; JSON Schema has no such format.
  format: (value, out) => {
    if (value !== 'enum') out['format'] = value;
  },
  properties: (value, out) => {
    const properties: Json = {};
    for (const [name, schema] of Object.entries((value ?? {}) as Json))
      properties[name] = toJsonSchema(schema);
    out['properties'] = properties;
  },
  items: (value, out) => {
    out['items'] = toJsonSchema(value);
  },
  anyOf: (value, out) => {
    out['anyOf'] = mapEach(value);
  },
  // Display order for Gemini's decoder; not a JSON Schema keyword.
  propertyOrdering: () => undefined,
  example: (value, out) => {
    out['examples'] = [value];
  },
};

/**
 * Gemini's OpenAPI-subset `Schema` (uppercase `type`, `nullable`, `propertyOrdering`)
 * → JSON Schema, for chat `parameters` and `response_format`. The rest of its keywords
 * (description, required, min/max…, pattern, title, default) are JSON Schema already.
 * @see https://ai.google.dev/api/caching#Schema
 */
export function toJsonSchema(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const source = schema as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    const mapper = keyMappers[key];
    if (mapper) mapper(value, out, source);
    else out[key] = value;
  }
  return out;
}
