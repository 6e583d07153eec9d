import type { FastifyInstance } from 'fastify';
import { proxyMeteredCall } from '../../proxy/metered-proxy.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

export function registerChatRoutes(app: FastifyInstance, services: Services): void {
  for (const path of v1Paths('/chat/completions')) {
    app.post(path, (request, reply) =>
      proxyMeteredCall(services, services.dialects['openai-chat'], request, reply),
    );
  }
}
