import type { GatewayError } from '../../errors/index.ts';

/** Our catalogue's types in Anthropic's vocabulary, so its SDK raises the right class. */
const anthropicType: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  insufficient_credits: 'billing_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'api_error',
};

function typeOf(error: GatewayError): string {
  if (error.code === 'payload_too_large') return 'request_too_large';
  if (error.code === 'upstream_unavailable') return 'overloaded_error';
  if (error.code === 'upstream_timeout') return 'timeout_error';
  return anthropicType[error.type] ?? 'api_error';
}

/**
 * Anthropic's envelope; `code` and extra details (e.g. `available_models`) ride along
 * inside `error`, which the SDK ignores and humans can read.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function renderAnthropicError(
  error: GatewayError,
  requestId?: string,
): { status: number; body: unknown } {
  return {
    status: error.status,
    body: {
      type: 'error',
      error: { type: typeOf(error), message: error.message, code: error.code, ...error.details },
      request_id: requestId ?? null,
    },
  };
}

export function renderAnthropicStreamError(error: GatewayError): string {
  const { body } = renderAnthropicError(error);
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
