/**
 * The one catalogue of gateway error codes: status, wire `type`, default message.
 * Dialects render these into their own envelopes; routes only throw `GatewayError`.
 */
export const errorCodes = {
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'Request body is not valid JSON.' },
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'Invalid request.' },
  missing_model: { status: 400, type: 'invalid_request_error', message: 'Missing required field: model.' },
  unknown_model: { status: 400, type: 'invalid_request_error', message: 'Unknown model.' },
  wrong_endpoint: {
    status: 400,
    type: 'invalid_request_error',
    message: 'This model is not served on this endpoint.',
  },
  missing_api_key: { status: 401, type: 'authentication_error', message: 'Missing API key.' },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'Invalid API key.' },
  insufficient_credits: { status: 402, type: 'insufficient_credits', message: 'Insufficient credits.' },
  not_signed_in: { status: 401, type: 'authentication_error', message: 'Sign in first.' },
  invalid_credentials: { status: 401, type: 'authentication_error', message: 'Wrong email or password.' },
  forbidden: { status: 403, type: 'permission_error', message: 'Forbidden.' },
  sso_failed: { status: 401, type: 'authentication_error', message: 'Single sign-on failed.' },
  sso_required: {
    status: 403,
    type: 'permission_error',
    message: "This email domain signs in through its organisation's single sign-on only.",
  },
  csrf_failed: {
    status: 403,
    type: 'permission_error',
    message: 'Missing or wrong x-csrf-token header for this session.',
  },
  key_disabled: { status: 403, type: 'permission_error', message: 'This API key is disabled.' },
  spending_limit_exceeded: {
    status: 403,
    type: 'permission_error',
    message: "This request would exceed the API key's monthly spending limit.",
  },
  not_found: { status: 404, type: 'not_found_error', message: 'Not found.' },
  topups_disabled: {
    status: 404,
    type: 'not_found_error',
    message: 'Card top-ups are not enabled on this gateway; redeem a code instead.',
  },
  invalid_signature: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The webhook signature does not verify.',
  },
  payment_provider_error: {
    status: 502,
    type: 'upstream_error',
    message: 'The payment provider could not be reached or refused the request.',
  },
  conflict: {
    status: 409,
    type: 'invalid_request_error',
    message: 'That name is already taken.',
  },
  payload_too_large: { status: 413, type: 'invalid_request_error', message: 'Request body is too large.' },
  range_not_satisfiable: {
    status: 416,
    type: 'invalid_request_error',
    message: 'The requested range is outside the file.',
  },
  rate_limited: { status: 429, type: 'rate_limit_error', message: 'Rate limit exceeded.' },
  too_many_attempts: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Too many failed attempts; try again later.',
  },
  upstream_rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'The upstream provider is rate limiting.',
  },
  internal_error: { status: 500, type: 'api_error', message: 'Internal error.' },
  upstream_error: {
    status: 502,
    type: 'upstream_error',
    message: 'The upstream provider returned an error.',
  },
  upstream_unavailable: {
    status: 503,
    type: 'upstream_error',
    message: 'No upstream provider is available.',
  },
  upstream_timeout: { status: 504, type: 'upstream_error', message: 'The upstream provider timed out.' },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
