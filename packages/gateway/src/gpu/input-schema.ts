import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { GatewayError } from '../errors/index.ts';

/**
 * Checks a GPU call's `input` against its catalogue model's JSON schema
 * (https://json-schema.org/draft-07/json-schema-validation), compiled once per schema with
 * Ajv. The first violation becomes a 400 naming the field (`input.width`).
 */
const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a catalogue schema, so a broken one fails at startup, not on the first call. */
export function compileInputSchema(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function checkInput(schema: Readonly<Record<string, unknown>>, input: unknown, param = 'input'): void {
  const validate = compileInputSchema(schema);
  if (validate(input)) return;
  const error = validate.errors?.[0];
  throw new GatewayError('invalid_request', {
    param: fieldOf(param, error),
    message: describe(param, error),
  });
}

function fieldOf(param: string, error: ErrorObject | undefined): string {
  if (!error) return param;
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  const extra =
    error.keyword === 'required'
      ? String((error.params as { missingProperty?: unknown }).missingProperty ?? '')
      : error.keyword === 'additionalProperties'
        ? String((error.params as { additionalProperty?: unknown }).additionalProperty ?? '')
        : '';
  return [param, ...path, ...(extra ? [extra] : [])].join('.');
}

function describe(param: string, error: ErrorObject | undefined): string {
  const field = fieldOf(param, error);
  if (!error) return `${param} is invalid.`;
  if (error.keyword === 'required') return `${field} is required.`;
  if (error.keyword === 'additionalProperties') return `${field} is not a known field.`;
  return `${field} ${error.message ?? 'is invalid'}.`;
}
