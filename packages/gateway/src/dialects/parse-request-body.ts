import type { z } from 'zod';
import { GatewayError } from '../errors/index.ts';

/**
 * The shared front of every dialect's request parser: a JSON object, a `model`, then
 * the dialect's lenient schema, with the first problem named as the error's `param`.
 */
export function parseRequestBody<T>(
  json: unknown,
  schema: z.ZodType<T>,
  message: (param: string, issue: string) => string,
  /** A hand check of the common case: the body as `T` only when the schema would accept it. */
  wellFormed?: (body: Record<string, unknown>) => T | undefined,
): { body: Record<string, unknown>; data: T } {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', { message: 'Request body must be a JSON object.' });
  }
  const body = json as Record<string, unknown>;
  if (body['model'] === undefined || body['model'] === null || body['model'] === '') {
    throw new GatewayError('missing_model', { param: 'model', message: message('model', 'Field required') });
  }
  const quick = wellFormed?.(body);
  if (quick !== undefined) return { body, data: quick };
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw new GatewayError('invalid_request', { param, message: message(param, issue.message) });
  }
  return { body, data: parsed.data };
}
