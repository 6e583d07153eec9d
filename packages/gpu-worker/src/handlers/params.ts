import { createHash } from 'node:crypto';
import { HandlerInputError, isRecord } from './types.ts';

export function inputObject(input: unknown): Record<string, unknown> {
  if (typeof input === 'string') {
    try {
      const parsed: unknown = JSON.parse(input);
      if (isRecord(parsed)) return parsed;
    } catch {
      // a plain string is the prompt itself
    }
    return { prompt: input };
  }
  if (!isRecord(input)) throw new HandlerInputError('job input must be an object');
  return input;
}

export function promptOf(input: Record<string, unknown>): string {
  const prompt = input['prompt'];
  if (typeof prompt !== 'string' || prompt.trim() === '')
    throw new HandlerInputError("Missing 'prompt' parameter");
  return prompt;
}

/** An integer in [min, max] (fractions rounded), the default when absent; a wrong type is a clear error. */
export function intParam(
  input: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = input[name];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HandlerInputError(`'${name}' must be a number`);
  }
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** A seed given, else one derived from the prompt, so an input without a seed still renders the same. */
export function seedOf(input: Record<string, unknown>, prompt: string): number {
  const raw = input['seed'];
  if (raw === undefined || raw === null) return createHash('sha256').update(prompt).digest().readUInt32BE(0);
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new HandlerInputError("'seed' must be a number");
  return Math.trunc(Math.abs(value)) % 2 ** 32;
}
