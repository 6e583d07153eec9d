import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.ts';
import { checkInput } from './input-schema.ts';

const schema = {
  type: 'object',
  required: ['prompt'],
  properties: {
    prompt: { type: 'string', minLength: 1 },
    width: { type: 'integer', minimum: 64, maximum: 2048 },
    nested: { type: 'object', properties: { steps: { type: 'integer' } } },
  },
  additionalProperties: false,
};

const failure = (input: unknown): GatewayError => {
  try {
    checkInput(schema, input);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
};

describe('checkInput', () => {
  it('accepts an input the schema allows', () => {
    expect(() => checkInput(schema, { prompt: 'a cat', width: 512 })).not.toThrow();
  });
  it('names the missing, unknown, or out-of-range field', () => {
    expect(failure({}).param).toBe('input.prompt');
    expect(failure({}).message).toBe('input.prompt is required.');
    expect(failure({ prompt: 'x', colour: 'red' }).param).toBe('input.colour');
    const wide = failure({ prompt: 'x', width: 9000 });
    expect(wide.param).toBe('input.width');
    expect(wide.status).toBe(400);
    expect(wide.message).toContain('<= 2048');
    expect(failure({ prompt: 'x', nested: { steps: 'ten' } }).param).toBe('input.nested.steps');
    expect(failure('not an object').param).toBe('input');
  });
});
