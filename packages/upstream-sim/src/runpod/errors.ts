import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';

/**
 * The job API's error body is not documented (only the statuses are: 400, 401, 404, 429, 500), so the
 * sim answers a plausible `{"error": "…"}`, the shape RunPod's load-balancing endpoints use.
 * @see https://docs.runpod.io/serverless/endpoints/send-requests
 */
export function sendJobError(exchange: Exchange, status: number, message?: string): void {
  sendJson(exchange.response, status, {
    error: message ?? STATUS_TEXT[status] ?? `request failed (${status})`,
  });
}

/**
 * Management REST v2 errors are RFC 9457 problem details: `application/problem+json`
 * `{title, status, detail, errors?: string[]}`.
 * @see https://docs.runpod.io/api-reference-v2/overview
 */
export function sendProblem(
  exchange: Exchange,
  status: number,
  detail?: string,
  errors?: readonly string[],
): void {
  const body: Record<string, unknown> = {
    title: STATUS_TEXT[status] ?? 'Error',
    status,
    detail: detail ?? STATUS_TEXT[status] ?? `request failed (${status})`,
  };
  if (errors && errors.length > 0) body['errors'] = errors;
  const text = JSON.stringify(body);
  exchange.response.writeHead(status, {
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(text)),
  });
  exchange.response.end(text);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
