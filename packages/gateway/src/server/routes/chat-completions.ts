import type { FastifyInstance } from 'fastify';
import { proxyChatCompletion } from '../../proxy/chat-completions.ts';
import { v1Paths } from '../app.ts';
import type { Services } from '../services.ts';

export function registerChatRoutes(app: FastifyInstance, services: Services): void {
  for (const path of v1Paths('/chat/completions')) {
    app.post(path, (request, reply) => proxyChatCompletion(services, request, reply));
  }
}
