import type { FastifyRequest } from 'fastify';
import type { WireDialect } from '../contracts/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The wire format a route speaks: its errors render in that dialect's envelope. */
    dialect?: WireDialect;
  }
}

/**
 * The dialect a path's clients speak, for requests no route matched (404s, bad URLs):
 * a Gemini SDK gets Google's envelope, an Anthropic SDK Anthropic's, the rest OpenAI's.
 */
export function dialectOfPath(url: string): WireDialect {
  const path = (url.split('?', 1)[0] ?? '').replace(/^\/api(?=\/v1)/, '');
  if (path.startsWith('/v1beta/') || path === '/v1beta' || path.startsWith('/v1/gemini')) return 'gemini';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1/responses')) return 'openai-responses';
  return 'openai-chat';
}

export function routeDialect(request: FastifyRequest): WireDialect {
  return request.routeOptions?.config?.dialect ?? dialectOfPath(request.url);
}
