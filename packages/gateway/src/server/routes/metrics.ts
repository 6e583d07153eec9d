import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.ts';
import { sameSecret } from '../same-secret.ts';
import type { Services } from '../services.ts';

/**
 * Prometheus scrape endpoint. With `HYPEREAL_METRICS_TOKEN` set it wants that bearer
 * token (provider names and traffic are an operator's business); otherwise it is open,
 * as scrape targets on a private network usually are.
 */
export function registerMetricsRoutes(
  app: FastifyInstance,
  services: Services,
  token: string | undefined,
): void {
  // One series per route template (`/v1/responses/:id`), never per raw path: a path is
  // whatever a caller sends, 401s included. Unrouted paths share one `unknown` label.
  // A callback hook, not an async one: no promise per request. Labels are made once per template.
  const labels = new Map<string | undefined, string>();
  app.addHook('onResponse', (request, reply, done) => {
    const endpoint = request.hypereal?.endpoint ?? '';
    if (endpoint.startsWith('/v1')) {
      const template = request.routeOptions.url;
      let label = labels.get(template);
      if (label === undefined) {
        label = template ? template.replace(/^\/api(?=\/v1)/, '') : 'unknown';
        labels.set(template, label);
      }
      services.metrics.requests.inc({ endpoint: label, status: String(reply.statusCode) });
    }
    done();
  });
  app.get('/metrics', async (request, reply) => {
    if (token) {
      if (!sameSecret(request.headers.authorization, `Bearer ${token}`)) {
        throw new GatewayError('invalid_api_key', {
          message: 'The metrics endpoint needs its bearer token.',
        });
      }
    }
    services.metrics.syncBreakers(await services.health.snapshot());
    reply.header('content-type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}
