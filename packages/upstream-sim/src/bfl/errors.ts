import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';

/**
 * BFL's API is FastAPI: errors are `{"detail": …}`, a string for most statuses and, for 422, the
 * list of validation problems `{loc, msg, type, input}`.
 * @see https://docs.bfl.ai/api_integration/errors
 */
export interface ValidationProblem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

const STATUS_DETAIL: Record<number, string> = {
  400: 'Bad Request',
  402: 'Insufficient credits. Please add credits to your account.',
  403: 'Not authenticated',
  404: 'Not Found',
  422: 'Unprocessable Entity',
  429: 'You have exceeded the limit of concurrent tasks. Please wait for a task to finish.',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendBflError(exchange: Exchange, status: number, detail?: unknown): void {
  sendJson(
    exchange.response,
    status,
    { detail: detail ?? STATUS_DETAIL[status] ?? `Request failed with status ${status}` },
    { 'x-request-id': exchange.requestId },
  );
}

export function sendValidation(exchange: Exchange, problems: ValidationProblem[]): void {
  sendBflError(exchange, 422, problems);
}
