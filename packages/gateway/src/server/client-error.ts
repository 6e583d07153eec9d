import type { Socket } from 'node:net';
import { errorCodes } from '../errors/codes.ts';

/** Status per Node client error: the body or headers came too slowly, too big, or malformed. */
function statusOf(code: string | undefined): number {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  return 400;
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Node's `clientError` (a request it could not parse, or one too slow to arrive): there
 * is no request object, so the answer is written to the socket, in OpenAI's envelope,
 * and the connection is closed. Nothing is written when a response is already under
 * way on the socket (as Node itself does).
 * @see https://nodejs.org/api/http.html#event-clienterror
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = statusOf(error.code);
  const body = JSON.stringify({
    error: {
      message:
        status === 408
          ? 'The request did not arrive in time.'
          : status === 431
            ? 'Request headers are too large.'
            : 'Malformed HTTP request.',
      type: errorCodes.invalid_request.type,
      param: null,
      code: status === 408 ? 'request_timeout' : 'invalid_request',
    },
  });
  socket.end(
    [
      `HTTP/1.1 ${status} ${reasons[status]}`,
      'Connection: close',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}
