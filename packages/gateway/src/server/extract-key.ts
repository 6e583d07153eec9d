import type { FastifyRequest } from 'fastify';

/**
 * The four key forms of the API contract (docs/api-contract.md), in the order SDKs send them: Bearer (OpenAI, Codex),
 * x-api-key (Anthropic), x-goog-api-key (Google), ?key= (anything).
 */
export function extractApiKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    return match ? match[1]!.trim() : authorization.trim();
  }
  const header = request.headers['x-api-key'] ?? request.headers['x-goog-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const query = request.query as Record<string, unknown> | undefined;
  const key = query?.['key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

/** Strips `key=` from a URL so secrets never reach a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]key=)[^&]*/gi, '$1[redacted]');
}
