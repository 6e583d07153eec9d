import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { GatewayError } from '../errors/index.ts';

/** Management-API bodies and queries: zod-checked, the first problem named by its field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const param = issue.path.map(String).join('.') || null;
    throw new GatewayError('invalid_request', {
      param,
      message: `Invalid field ${param ?? 'body'}: ${issue.message}`,
    });
  }
  return result.data;
}

export function validateBody<T>(schema: z.ZodType<T>, request: FastifyRequest): T {
  return validate(schema, (request.body as { json?: unknown } | undefined)?.json);
}
