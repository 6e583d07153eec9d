import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with each new connection, in order; `pass` once the plan runs out. */
export type ConnectionPlan = 'pass' | 'reset' | 'lose-response';

export interface FlakyProxy {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the gateway that misbehaves on purpose, one connection at a time:
 * `reset` closes the client's socket before anything is forwarded (a connection error), and
 * `lose-response` forwards the request, lets the gateway do the work, then closes the client's
 * socket as the answer starts (the answer is lost on the way back).
 */
export async function startFlakyProxy(target: string, plan: ConnectionPlan[]): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const mode = plan[state.connections++] ?? 'pass';
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    if (mode === 'lose-response') {
      upstream.once('data', () => {
        client.resetAndDestroy();
        upstream.destroy();
      });
    } else {
      upstream.pipe(client);
    }
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    get connections() {
      return state.connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
