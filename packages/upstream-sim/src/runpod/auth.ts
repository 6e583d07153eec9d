import type { Exchange } from '../http/exchange.ts';

/**
 * Client calls send `Authorization: Bearer <key>` (both SDKs); the docs' curl examples send the bare
 * key, so both are accepted. Returns the key, or undefined when refused.
 * @see https://docs.runpod.io/serverless/endpoints/send-requests
 */
export function clientKey(
  exchange: Pick<Exchange, 'request'>,
  apiKeys: readonly string[] | undefined,
): string | undefined {
  const header = exchange.request.headers.authorization?.trim() ?? '';
  const key = header.replace(/^Bearer\s+/i, '').trim();
  return accepted(key, apiKeys) ? key : undefined;
}

/**
 * Workers send their `RUNPOD_AI_API_KEY` raw: `Authorization: <key>`, no scheme.
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_ping.py
 */
export function workerKey(
  exchange: Pick<Exchange, 'request'>,
  apiKeys: readonly string[] | undefined,
): string | undefined {
  const key = exchange.request.headers.authorization?.trim() ?? '';
  return accepted(key, apiKeys) ? key : undefined;
}

function accepted(key: string, apiKeys: readonly string[] | undefined): boolean {
  if (key === '') return false;
  return apiKeys ? apiKeys.includes(key) : true;
}
