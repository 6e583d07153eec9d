import type { Exchange } from '../http/exchange.ts';

/**
 * Headers Google's front end puts on every Gemini API response. There is no request id header;
 * `server-timing` reports the processing time.
 */
export function responseHeaders(exchange: Exchange): Record<string, string> {
  const elapsed = Math.max(1, Math.round(performance.now() - exchange.startedAt));
  return {
    vary: 'Origin, X-Origin, Referer',
    server: 'scaffolding on HTTPServer2',
    'server-timing': `gfet4t7; dur=${elapsed}`,
    'x-xss-protection': '0',
    'x-frame-options': 'SAMEORIGIN',
    'x-content-type-options': 'nosniff',
  };
}
