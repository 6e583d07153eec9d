import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from '../faults.ts';
import type { RecordedRequest } from '../recorded-request.ts';
import type { RequestBody } from './read-body.ts';

/** One request/response pair as handed to a simulated API route. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** Path without the query string. */
  path: string;
  body: RequestBody;
  record: RecordedRequest;
  /** The fault consumed by this request, if any; routes read its per-request modifiers. */
  fault: Fault | undefined;
  /** Aborts when the connection closes before the response finished. */
  signal: AbortSignal;
  /** `req_…` id, echoed in the response's request-id header. */
  requestId: string;
  /** `performance.now()` when the request arrived, for processing-time headers. */
  startedAt: number;
  /** Destroys the socket on purpose (a fault), so the record does not blame the client. */
  destroyConnection(): void;
}

export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
