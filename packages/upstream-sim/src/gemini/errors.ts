import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { responseHeaders } from './headers.ts';

/**
 * Google's error envelope (`google.rpc.Status` as JSON): the HTTP status repeated as `code`, the
 * canonical code name as `status`, and optional typed `details`.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export interface GeminiErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

/** HTTP status ↔ canonical code name, as Google's front end maps them, with its usual wording. */
const STATUS_ERRORS: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: {
    status: 'UNAUTHENTICATED',
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or ' +
      'other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  409: { status: 'ABORTED', message: 'The operation was aborted.' },
  429: {
    status: 'RESOURCE_EXHAUSTED',
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information ' +
      'on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
  },
  499: { status: 'CANCELLED', message: 'The operation was cancelled.' },
  500: {
    status: 'INTERNAL',
    message:
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  },
  501: { status: 'UNIMPLEMENTED', message: 'Operation is not implemented, or supported, or enabled.' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline expired before operation could complete.' },
};

/** The canonical code name for a status: the documented pair, else INVALID_ARGUMENT (4xx) / UNKNOWN (5xx). */
export function statusName(status: number): string {
  return STATUS_ERRORS[status]?.status ?? (status >= 500 ? 'UNKNOWN' : 'INVALID_ARGUMENT');
}

/** The HTTP status of a canonical code name, for faults that name only the code (`UNAVAILABLE` → 503). */
export function httpStatusFor(name: string): number {
  for (const [status, known] of Object.entries(STATUS_ERRORS))
    if (known.status === name) return Number(status);
  return 500;
}

export function geminiError(
  status: number,
  message?: string,
  details?: unknown[],
  name?: string,
): GeminiErrorBody['error'] {
  return {
    code: status,
    message: message ?? STATUS_ERRORS[status]?.message ?? `Request failed with status ${status}.`,
    status: name ?? statusName(status),
    ...(details && details.length > 0 ? { details } : {}),
  };
}

export function sendGeminiError(
  exchange: Exchange,
  status: number,
  message?: string,
  details?: unknown[],
  name?: string,
): void {
  const body: GeminiErrorBody = {
    error: geminiError(status, message, details ?? defaultDetails(exchange, status), name),
  };
  sendJson(exchange.response, status, body, responseHeaders(exchange));
}

/**
 * A 429 from the API says how long to wait in a `RetryInfo` detail (taken from a fault's
 * `retry-after` header, else one second, so clients that honour it keep tests fast).
 */
function defaultDetails(exchange: Exchange, status: number): unknown[] | undefined {
  if (status !== 429) return undefined;
  const retryAfter = Number(exchange.fault?.headers?.['retry-after']);
  const delay = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 1;
  return [
    {
      '@type': 'type.googleapis.com/google.rpc.Help',
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${delay}s` },
  ];
}

/** Thrown while checking a request; carries what the real API would answer with. */
export class GeminiRequestError extends Error {
  readonly status: number;
  readonly details: unknown[] | undefined;

  constructor(status: number, message: string, details?: unknown[]) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

/** A 400 INVALID_ARGUMENT. */
export function fail(message: string, details?: unknown[]): never {
  throw new GeminiRequestError(400, message, details);
}

/**
 * Semantic checks are reported the way the API's request validator words them: one
 * `* <Request>.<snake_path>: <complaint>\n` line per problem, all problems in one message.
 */
export class FieldErrors {
  readonly #lines: string[] = [];
  readonly #request: string;

  constructor(request: string) {
    this.#request = request;
  }

  add(path: string, complaint: string): void {
    this.#lines.push(`* ${this.#request}${path === '' ? '' : `.${path}`}: ${complaint}\n`);
  }

  throwIfAny(): void {
    if (this.#lines.length > 0) fail(this.#lines.join(''));
  }
}
