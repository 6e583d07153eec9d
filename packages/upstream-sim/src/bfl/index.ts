import type { SimApi } from '../sim-api.ts';
import { sendBflError } from './errors.ts';
import { type BflContext, type FluxTask, handleGetResult, handleSubmit, SUBMIT_PATH } from './tasks.ts';

export type BflOptions = Omit<BflContext, 'tasks'>;

/**
 * Black Forest Labs FLUX API: `POST /v1/<model>` (FLUX.2, Kontext, FLUX 1.1…) → a task id and
 * `polling_url`; `GET /v1/get_result?id=…` until `Ready`. Auth is the `x-key` header; errors are
 * FastAPI's `{"detail": …}`.
 * @see https://docs.bfl.ai/quick_start/generating_images
 */
export function createBflApi(options: BflOptions): SimApi {
  const context: BflContext = { ...options, tasks: new Map<string, FluxTask>() };
  return {
    routes: [
      { method: 'GET', path: '/v1/get_result', handle: (exchange) => handleGetResult(exchange, context) },
      {
        method: 'POST',
        path: SUBMIT_PATH,
        modelOf: (exchange) => SUBMIT_PATH.exec(exchange.path)?.[1],
        handle: (exchange) => handleSubmit(exchange, context),
      },
    ],
    claimsPath: (path) => SUBMIT_PATH.test(path) || path === '/v1/get_result',
    sendError: (exchange, status, message) => sendBflError(exchange, status, message),
    reset: () => context.tasks.clear(),
  };
}
