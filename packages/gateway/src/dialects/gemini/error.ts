import type { Json } from '../../contracts/index.ts';
import type { GatewayError } from '../../errors/index.ts';

/**
 * HTTP status → google.rpc code name, as the Gemini API pairs them.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 * @see https://cloud.google.com/apis/design/errors#handling_errors
 */
const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'RESOURCE_EXHAUSTED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const googleStatusOf = (status: number): string =>
  statusNames[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');

/**
 * Google's envelope, with the gateway's own error `type` kept beside `status` (every
 * dialect's error carries `type` and `message`).
 * @see https://cloud.google.com/apis/design/errors#http_mapping
 */
export function geminiErrorBody(fields: {
  status: number;
  message: string;
  type: string;
  extra?: Json;
  details?: Json[];
}): Json {
  return {
    error: {
      code: fields.status,
      message: fields.message,
      status: googleStatusOf(fields.status),
      type: fields.type,
      ...fields.extra,
      ...(fields.details && fields.details.length > 0 ? { details: fields.details } : {}),
    },
  };
}

/**
 * google.rpc details Gemini clients read: gemini-cli waits a 429's RetryInfo delay
 * before retrying, and BadRequest names the offending field like Google's own 400s.
 * @see https://cloud.google.com/apis/design/errors#error_details
 */
function detailsOf(error: GatewayError): Json[] {
  const details: Json[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: error.code.toUpperCase(),
      domain: 'hypereal',
      metadata: error.param === null ? {} : { param: error.param },
    },
  ];
  if (error.param !== null) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: error.param, description: error.message }],
    });
  }
  const seconds = Number(error.headers['retry-after']);
  if (error.headers['retry-after'] !== undefined && Number.isFinite(seconds) && seconds >= 0) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` });
  }
  return details;
}

/**
 * Google's error envelope: `code` is the HTTP status, `status` its google.rpc name;
 * our `type` and extra details (e.g. `available_models`) ride along inside `error`.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export function renderGeminiError(error: GatewayError): { status: number; body: unknown } {
  return {
    status: error.status,
    body: geminiErrorBody({
      status: error.status,
      message: error.message,
      type: error.type,
      extra: error.details,
      details: detailsOf(error),
    }),
  };
}

/**
 * Mid-stream failure: `@google/genai` parses every `data:` payload and throws
 * `ApiError` when it holds an `error` object whose `code` is 400–599.
 * @see https://github.com/googleapis/js-genai
 */
export function renderGeminiStreamError(error: GatewayError): string {
  return `data: ${JSON.stringify(renderGeminiError(error).body)}\n\n`;
}

/** Chat error `code`/`type` → HTTP status, so the SDK's ApiError carries the matching one. */
const chatErrorStatuses: Record<string, number> = {
  invalid_request_error: 400,
  context_length_exceeded: 400,
  authentication_error: 401,
  invalid_api_key: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  server_is_overloaded: 503,
  slow_down: 503,
};

/**
 * A chat upstream's in-stream error object in Google's envelope. Google's own
 * OpenAI-compatible endpoint already sends `code` as the HTTP status.
 */
export function chatErrorToGemini(error: Json): Json {
  const code = error['code'];
  const status =
    typeof code === 'number' && code >= 400 && code < 600
      ? code
      : (chatErrorStatuses[String(code)] ?? chatErrorStatuses[String(error['type'])] ?? 500);
  return geminiErrorBody({
    status,
    message: String(error['message'] ?? 'upstream error'),
    type: typeof error['type'] === 'string' ? error['type'] : 'upstream_error',
  });
}
