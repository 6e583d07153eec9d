import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http/read-body.ts';
import { sendJson } from '../http/send.ts';
import type { SimApi } from '../sim-api.ts';
import { handleComfyRequest } from './comfy-routes.ts';
import { ComfyState } from './comfy-state.ts';

export interface ComfyUiSimOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Simulated execution time per sampling step (default 10 ms): a prompt takes steps × this. */
  stepMs?: number;
}

export interface ComfyUiSim {
  /** ComfyUI's base URL (what worker-comfyui reaches at `127.0.0.1:8188`). */
  readonly url: string;
  /** Forgets the queue, history and files. */
  reset(): void;
  close(): Promise<void>;
}

/** A standalone ComfyUI fake on its own port (routes at the root, as ComfyUI serves them). */
export async function startComfyUiSim(options: ComfyUiSimOptions = {}): Promise<ComfyUiSim> {
  const host = options.host ?? '127.0.0.1';
  const state = new ComfyState(options.stepMs ?? 10);
  const server = createServer((request, response) => {
    void (async () => {
      let body: Awaited<ReturnType<typeof readBody>>;
      try {
        body = await readBody(request);
      } catch {
        response.destroy();
        return;
      }
      const url = new URL(request.url ?? '/', 'http://comfyui');
      const handled = handleComfyRequest(state, {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body,
        contentType: request.headers['content-type'],
        response,
      });
      if (!handled) sendJson(response, 404, { error: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        state.reset();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The base path of the ComfyUI fake inside the main simulator: `COMFYUI_URL=${sim.url}/comfyui`. */
export const comfyUiPrefix = '/comfyui';

/** The same fake mounted in the main simulator under `/comfyui`. */
export function createComfyUiApi(stepMs = 10): SimApi {
  const state = new ComfyState(stepMs);
  const handle = async (exchange: Parameters<SimApi['routes'][number]['handle']>[0]) => {
    const handled = handleComfyRequest(state, {
      method: exchange.request.method ?? 'GET',
      path: exchange.path.slice(comfyUiPrefix.length) || '/',
      query: new URLSearchParams(exchange.record.query.replace(/^\?/, '')),
      body: exchange.body,
      contentType: exchange.request.headers['content-type'],
      response: exchange.response,
    });
    if (!handled) sendJson(exchange.response, 404, { error: 'Not Found' });
  };
  const path = /^\/comfyui(\/|$)/;
  return {
    routes: (['GET', 'POST'] as const).map((method) => ({ method, path, handle })),
    claimsPath: (candidate) => path.test(candidate),
    sendError: (exchange, status, message) =>
      sendJson(exchange.response, status, { error: message ?? 'Error' }),
    reset: () => state.reset(),
  };
}
