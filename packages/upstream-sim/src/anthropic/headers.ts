import type { Exchange } from '../http/exchange.ts';

// A fixed organization keeps responses stable; the real API names the key's organization here.
const ORGANIZATION_ID = '5f1c3a4e-0b7d-4c2a-9e61-2d8f0a7b9c10';

/**
 * Headers the real API puts on every response: the SDK surfaces `request-id` on errors
 * (`APIError.requestID`), and gateways read the rate-limit ones.
 * @see https://docs.claude.com/en/api/rate-limits#response-headers
 */
export function responseHeaders(exchange: Exchange): Record<string, string> {
  const reset = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toISOString().replace('.000Z', 'Z');
  return {
    'request-id': exchange.requestId,
    'anthropic-organization-id': ORGANIZATION_ID,
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-input-tokens-limit': '2000000',
    'anthropic-ratelimit-input-tokens-remaining': '2000000',
    'anthropic-ratelimit-input-tokens-reset': reset,
    'anthropic-ratelimit-output-tokens-limit': '400000',
    'anthropic-ratelimit-output-tokens-remaining': '400000',
    'anthropic-ratelimit-output-tokens-reset': reset,
    'anthropic-ratelimit-tokens-limit': '2400000',
    'anthropic-ratelimit-tokens-remaining': '2400000',
    'anthropic-ratelimit-tokens-reset': reset,
  };
}
