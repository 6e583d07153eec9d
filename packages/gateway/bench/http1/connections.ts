import { Http1Connection } from './connection.ts';
import { type RequestSpec, serializeRequest } from './request.ts';

/**
 * The load generator's keep-alive connections to one origin, numbered: worker `i` of every run
 * uses connection `i`, so the connections (and their TCP handshakes) outlast one `runLoad` the
 * way an undici Pool's do. `close()` when done.
 */
export class LoadConnections {
  readonly origin: URL;
  readonly #connections: Http1Connection[] = [];
  #closed = false;

  constructor(origin: string) {
    this.origin = new URL(origin);
    // Fails now, not at the first request.
    new Http1Connection(this.origin);
  }

  connection(index: number): Http1Connection {
    let connection = this.#connections[index];
    if (connection === undefined) {
      connection = new Http1Connection(this.origin);
      if (this.#closed) connection.close();
      this.#connections[index] = connection;
    }
    return connection;
  }

  /** `request` as it goes on the wire to this origin. */
  serialize(request: RequestSpec): Buffer {
    return serializeRequest(this.origin, request);
  }

  /** One exchange on a connection of its own (closed after): the status and the whole body. */
  request(request: RequestSpec): Promise<{ statusCode: number; body: Buffer }> {
    const connection = new Http1Connection(this.origin);
    return new Promise((resolve, reject) => {
      let statusCode = 0;
      const chunks: Buffer[] = [];
      connection.send(this.serialize(request), {
        onHead: (status) => {
          statusCode = status;
        },
        onBody: (chunk) => chunks.push(chunk),
        onEnd: () => {
          connection.close();
          resolve({ statusCode, body: Buffer.concat(chunks) });
        },
        onError: (error) => {
          connection.close();
          reject(error);
        },
      });
    });
  }

  /** Closes every connection; requests still running fail, and so do later ones. */
  close(): void {
    this.#closed = true;
    for (const connection of this.#connections) connection.close();
  }
}
