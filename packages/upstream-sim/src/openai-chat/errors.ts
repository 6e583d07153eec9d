import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { responseHeaders } from './headers.ts';

/**
 * OpenAI error envelope; all four inner keys are always present.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiError(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): OpenAiErrorBody {
  return { error: { message, type, param, code } };
}

export function invalidRequest(message: string, param: string | null, code: string | null): OpenAiErrorBody {
  return openAiError(message, 'invalid_request_error', param, code);
}

/** What the real API says for each status, used when a fault names only a status. */
export function errorForStatus(status: number, message?: string): OpenAiErrorBody {
  const known = STATUS_ERRORS[status];
  if (known) return openAiError(message ?? known.message, known.type, null, known.code);
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  return openAiError(message ?? `Request failed with status ${status}.`, type);
}

const STATUS_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Bad request.', type: 'invalid_request_error', code: null },
  401: {
    message:
      'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  403: {
    message: 'Country, region, or territory not supported',
    type: 'request_forbidden',
    code: 'unsupported_country_region_territory',
  },
  404: { message: 'The requested resource does not exist.', type: 'invalid_request_error', code: null },
  408: { message: 'Request timed out.', type: 'timeout', code: null },
  409: { message: 'The request conflicted with another request.', type: 'invalid_request_error', code: null },
  413: { message: 'Request too large.', type: 'invalid_request_error', code: 'request_too_large' },
  422: { message: 'Unprocessable request.', type: 'invalid_request_error', code: null },
  429: {
    message:
      'Rate limit reached for requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null },
  504: { message: 'Gateway timeout.', type: 'server_error', code: null },
};

export function sendOpenAiError(exchange: Exchange, status: number, body: OpenAiErrorBody): void {
  sendJson(exchange.response, status, body, responseHeaders(exchange));
}
