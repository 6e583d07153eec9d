import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The server's sockets and how many answers each is still writing, so a shutdown can close
 * every connection that is not serving a request. Node's own `closeIdleConnections()` skips
 * a connection that has not sent its first request yet (it counts as "active" so that
 * `headersTimeout` applies to it — https://nodejs.org/api/http.html#serverheaderstimeout),
 * and a client pool that opens a spare socket (undici does after an aborted request) then
 * holds `server.close()` for the whole grace period.
 */
export interface ConnectionTracker {
  /** From now on, close each connection as soon as no answer is being written on it. */
  closeIdle(): void;
}

/** How long a closed connection may take to flush and see the client's FIN before it is cut. */
const lingerMs = 1_000;

export function trackConnections(server: Server): ConnectionTracker {
  const busy = new Map<Socket, number>();
  let closing = false;
  const closeIfIdle = (socket: Socket) => {
    if (!closing || (busy.get(socket) ?? 0) !== 0) return;
    // end(), not destroy(): an answer just finished may still sit in the socket's write buffer.
    socket.end();
    setTimeout(() => socket.destroy(), lingerMs).unref();
  };
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
    closeIfIdle(socket);
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (!busy.has(socket)) return;
      busy.set(socket, Math.max(0, (busy.get(socket) ?? 1) - 1));
      closeIfIdle(socket);
    });
  });
  return {
    closeIdle() {
      closing = true;
      for (const socket of busy.keys()) closeIfIdle(socket);
    },
  };
}
