import type { Exchange } from '../http/exchange.ts';

/**
 * Headers the real API puts on every response; SDKs surface `x-request-id`, and gateways read the
 * rate-limit ones.
 */
export function responseHeaders(exchange: Exchange): Record<string, string> {
  return {
    'x-request-id': exchange.requestId,
    'openai-processing-ms': String(Math.round(performance.now() - exchange.startedAt)),
    'openai-version': '2020-10-01',
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-limit-tokens': '30000000',
    'x-ratelimit-remaining-tokens': '29999000',
    'x-ratelimit-reset-tokens': '2ms',
  };
}
