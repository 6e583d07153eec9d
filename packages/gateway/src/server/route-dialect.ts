import type { FastifyRequest } from 'fastify';
import type { WireDialect } from '../contracts/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The wire format a route speaks: its errors render in that dialect's envelope. */
    dialect?: WireDialect;
  }
}

export function routeDialect(request: FastifyRequest): WireDialect {
  return request.routeOptions?.config?.dialect ?? 'openai-chat';
}
