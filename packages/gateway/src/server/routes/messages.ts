import type { FastifyInstance } from 'fastify';
import type { AuthenticatedKey } from '../../accounts/index.ts';
import { emptyUsage, parseJsonObject } from '../../contracts/index.ts';
import { anthropicHeaders, betaQuery } from '../../dialects/anthropic/proxy-dialect.ts';
import { num } from '../../dialects/json-fields.ts';
import { GatewayError } from '../../errors/index.ts';
import { requestLogRow } from '../../metering/log-row.ts';
import { headerValue } from '../../proxy/header-value.ts';
import { proxyMeteredCall } from '../../proxy/metered-proxy.ts';
import { resolveModel } from '../../proxy/resolve-model.ts';
import { insertRequestLog } from '../../usage/index.ts';
import { callContext } from '../request-state.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

/** Anthropic Messages: `/v1/messages` (Claude Code, the Anthropic SDK) and `count_tokens`. */
export function registerMessagesRoutes(app: FastifyInstance, services: Services): void {
  const config = { dialect: 'anthropic' as const };
  for (const path of v1Paths('/messages')) {
    app.post(path, { config }, (request, reply) =>
      proxyMeteredCall(services, services.dialects.anthropic, request, reply),
    );
    app.post(`${path}/count_tokens`, { config }, async (request, reply) => {
      const json = (request.body as { json?: unknown } | undefined)?.json;
      const body = json && typeof json === 'object' ? { ...(json as Record<string, unknown>) } : {};
      if (typeof body['model'] !== 'string' || body['model'] === '') {
        throw new GatewayError('missing_model', { param: 'model', message: 'model: Field required' });
      }
      const model = resolveModel(services.config.catalog, body['model'], 'anthropic');
      const state = request.hypereal;
      state.model = model.id;
      delete body['hypereal'];
      if (model.dialect !== 'anthropic') {
        // Chat upstreams have no counting endpoint: count the way billing estimates do.
        return { input_tokens: await services.dialects.anthropic.countPromptTokens(body) };
      }
      const headers = anthropicHeaders(request.headers);
      const abort = new AbortController();
      const attempt = await services.router.send(
        model,
        model.routes,
        (route) => ({
          path: `${route.provider.adapter.speaks.anthropic ?? '/v1/messages'}/count_tokens${betaQuery(request.query as Record<string, unknown>)}`,
          headers,
          body: JSON.stringify({ ...body, model: route.model }),
        }),
        abort.signal,
        [],
      );
      const text = await attempt.response.body.text();
      const principal = state.principal as AuthenticatedKey;
      state.logged = true;
      // Counting is free, as upstream; it is logged like every call.
      const counted = num(parseJsonObject(text)?.['input_tokens']);
      await insertRequestLog(
        services.db,
        requestLogRow(
          callContext(state, principal),
          {
            model: model.id,
            provider: attempt.route.provider.name,
            upstreamModel: attempt.route.model,
            status: 200,
            usageSource: 'upstream',
          },
          { unit: 'tokens', tokens: { ...emptyUsage, inputTokens: counted } },
          0,
        ),
      );
      reply
        .header('x-hypereal-provider', headerValue(attempt.route.provider.name))
        .header('content-type', 'application/json');
      return reply.send(text);
    });
  }
}
