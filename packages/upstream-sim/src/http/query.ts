import type { Exchange } from './exchange.ts';

/** The request's query parameters. */
export function queryParams(exchange: Pick<Exchange, 'record'>): URLSearchParams {
  return new URLSearchParams(exchange.record.query.replace(/^\?/, ''));
}

/** The token of `Authorization: <scheme> <token>`, or '' when absent or another scheme. */
export function authToken(exchange: Pick<Exchange, 'request'>, scheme: string): string {
  const header = exchange.request.headers.authorization ?? '';
  const match = new RegExp(`^${scheme}\\s+(.+)$`, 'i').exec(header);
  return match?.[1]?.trim() ?? '';
}
