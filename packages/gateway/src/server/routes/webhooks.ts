import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../../accounts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { type DeliveryRecord, getDelivery, listDeliveries, redeliver } from '../../webhooks/deliveries.ts';
import { rotateWebhookSecret } from '../../webhooks/secrets.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

const deliveryJson = (delivery: DeliveryRecord) => ({
  id: delivery.id,
  jobId: delivery.jobId,
  url: delivery.url,
  eventType: delivery.eventType,
  state: delivery.state,
  attempts: delivery.attempts,
  lastStatus: delivery.lastStatus,
  lastError: delivery.lastError,
  nextAttemptAt: delivery.state === 'pending' ? new Date(delivery.nextAttemptAt).toISOString() : null,
  createdAt: new Date(delivery.createdAt).toISOString(),
  deliveredAt: delivery.deliveredAt === null ? null : new Date(delivery.deliveredAt).toISOString(),
});

/**
 * Webhooks for job ends: POST /v1/webhooks/secret (a new `whsec_` signing secret, shown
 * once), GET /v1/webhooks/deliveries (the delivery log, `jobId` filter) and POST
 * /v1/webhooks/deliveries/{id}/redeliver. The user's own deliveries only.
 */
export function registerWebhookRoutes(app: FastifyInstance, services: Services): void {
  const userOf = (request: FastifyRequest) => (request.hypereal.principal as AuthenticatedKey).userId;
  for (const path of v1Paths('/webhooks/secret')) {
    app.post(path, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { secret: await rotateWebhookSecret(services.db, userOf(request)) };
    });
  }
  for (const path of v1Paths('/webhooks/deliveries')) {
    app.get(path, async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const limit = Math.min(Math.max(Number(query['limit'] ?? 50) || 50, 1), 200);
      const deliveries = await listDeliveries(services.db, userOf(request), { jobId: query['jobId'], limit });
      return { object: 'list', data: deliveries.map(deliveryJson) };
    });
  }
  for (const path of v1Paths('/webhooks/deliveries/:id/redeliver')) {
    app.post(path, async (request, reply) => {
      const { id } = request.params as { id: string };
      const delivery = await getDelivery(services.db, id);
      if (!delivery || delivery.userId !== userOf(request))
        throw new GatewayError('not_found', { param: 'id', message: `No webhook delivery ${id}.` });
      await redeliver(services.db, id);
      reply.code(202);
      return deliveryJson((await getDelivery(services.db, id)) ?? delivery);
    });
  }
}
