import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { responseHeaders } from './headers.ts';

/**
 * Anthropic error envelope; `request_id` repeats the `request-id` response header.
 * @see https://docs.claude.com/en/api/errors
 */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string | null;
}

/** The documented status ↔ `error.type` pairs, with the API's usual wording for each. */
const STATUS_ERRORS: Record<number, { type: string; message: string }> = {
  400: {
    type: 'invalid_request_error',
    message: 'There was an issue with the format or content of your request.',
  },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: {
    type: 'billing_error',
    message:
      'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
  },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: {
    type: 'rate_limit_error',
    message:
      "This request would exceed your organization's rate limit. Please reduce the prompt length or the maximum tokens requested, or try again later.",
  },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/** `error.type` for a status: the documented pair, else invalid_request_error for 4xx and api_error for 5xx. */
export function errorTypeForStatus(status: number): string {
  return STATUS_ERRORS[status]?.type ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function anthropicError(status: number, message?: string, type?: string): AnthropicErrorBody['error'] {
  return {
    type: type ?? errorTypeForStatus(status),
    message: message ?? STATUS_ERRORS[status]?.message ?? `Request failed with status ${status}.`,
  };
}

export function sendAnthropicError(
  exchange: Exchange,
  status: number,
  message?: string,
  type?: string,
): void {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: anthropicError(status, message, type),
    request_id: exchange.requestId,
  };
  sendJson(exchange.response, status, body, responseHeaders(exchange));
}

/** Thrown while checking a request; carries the status, type and message the real API would answer with. */
export class AnthropicRequestError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, message: string, type: string = errorTypeForStatus(status)) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** A 400 `invalid_request_error`. */
export function fail(message: string): never {
  throw new AnthropicRequestError(400, message);
}

/** The HTTP status an error type comes with, for faults that name only a type; unknown types are 500s. */
export function statusForErrorType(type: string): number {
  for (const [status, known] of Object.entries(STATUS_ERRORS)) if (known.type === type) return Number(status);
  return 500;
}
