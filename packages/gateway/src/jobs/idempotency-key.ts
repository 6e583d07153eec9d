import { GatewayError } from '../errors/index.ts';

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * A job-creating POST's `Idempotency-Key` header, checked (1 to 255 printable ASCII
 * characters, else a 400 naming it): the same key brings back the same job.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  const key = typeof header === 'string' && header !== '' ? header : undefined;
  if (key !== undefined && !idempotencyKeyPattern.test(key)) {
    throw new GatewayError('invalid_request', {
      param: 'Idempotency-Key',
      message: 'Idempotency-Key must be 1 to 255 printable ASCII characters.',
    });
  }
  return key;
}
