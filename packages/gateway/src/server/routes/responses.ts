import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../../accounts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { proxyMeteredCall } from '../../proxy/metered-proxy.ts';
import { upstreamFailure } from '../../upstream/upstream-failure.ts';
import { findAnswerOwner } from '../../usage/index.ts';
import type { Services } from '../services.ts';
import { refuseForeignReferences } from '../stored-references.ts';
import { v1Paths } from '../v1-paths.ts';

/**
 * OpenAI Responses: `POST /v1/responses` (Codex CLI, the Agents SDK), plus the
 * stored-response routes, which reach the upstream that created the response — and
 * only for the user whose call created it (anyone else gets a 404).
 */
export function registerResponsesRoutes(app: FastifyInstance, services: Services): void {
  const config = { dialect: 'openai-responses' as const };
  for (const path of v1Paths('/responses')) {
    app.post(path, { config }, async (request, reply) => {
      // Another user's stored response (or any stored object not the caller's) is a 404.
      await refuseForeignReferences(services.db, request);
      return proxyMeteredCall(services, services.dialects['openai-responses'], request, reply);
    });
    const forward =
      (method: 'GET' | 'POST' | 'DELETE', suffix: string) => async (request: FastifyRequest) => {
        const { id } = request.params as { id: string };
        const principal = request.hypereal.principal as AuthenticatedKey;
        const owner = await findAnswerOwner(services.db, principal.userId, id);
        const provider = owner?.provider ? services.config.providers.get(owner.provider) : undefined;
        const responsesPath = provider?.adapter.speaks['openai-responses'];
        if (!provider || !responsesPath)
          throw new GatewayError('not_found', { message: `No response found with id '${id}'.` });
        const query = request.url.includes('?') ? stripKey(request.url.slice(request.url.indexOf('?'))) : '';
        const response = await services.upstream.send(
          provider.name,
          method,
          `${provider.baseUrl}${responsesPath}/${encodeURIComponent(id)}${suffix}${query}`,
          { ...provider.headers, ...provider.adapter.authHeaders(provider.apiKey ?? 'none') },
          method === 'POST' ? '{}' : undefined,
          AbortSignal.timeout(services.config.upstream.firstByteTimeoutMs),
        );
        const text = await response.body.text();
        if (response.status === 404)
          throw new GatewayError('not_found', { message: `No response found with id '${id}'.` });
        if (response.status >= 400)
          throw upstreamFailure(provider.name, response.status, text, response.headers);
        return JSON.parse(text) as unknown;
      };
    app.get(`${path}/:id`, { config }, forward('GET', ''));
    app.delete(`${path}/:id`, { config }, forward('DELETE', ''));
    app.post(`${path}/:id/cancel`, { config }, forward('POST', '/cancel'));
    app.get(`${path}/:id/input_items`, { config }, forward('GET', '/input_items'));
  }
}

/** Our `?key=` never travels upstream; pagination and `include` do. */
function stripKey(query: string): string {
  const params = new URLSearchParams(query);
  params.delete('key');
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}
