import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.ts';
import { proxyMeteredCall } from '../../proxy/metered-proxy.ts';
import { resolveModel } from '../../proxy/resolve-model.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

const actions = ['generateContent', 'streamGenerateContent', 'countTokens'] as const;
type Action = (typeof actions)[number];

/** `models/gemini-3.5-fast:streamGenerateContent` → model and action. */
function parseModelAction(request: FastifyRequest): { model: string; action: Action } {
  // Fastify has already decoded the path parameter; decoding twice breaks on `%25`.
  const tail = (request.params as { '*': string })['*'] ?? '';
  const colon = tail.lastIndexOf(':');
  const model = tail.slice(0, colon).replace(/^models\//, '');
  const action = tail.slice(colon + 1) as Action;
  if (colon <= 0 || !actions.includes(action) || model.length === 0) {
    throw new GatewayError('not_found', { message: `Unknown Gemini method: ${tail}` });
  }
  return { model, action };
}

/**
 * Google's path layout, so @google/genai and Gemini CLI work by base-URL override,
 * and `/v1/gemini`, which takes a Gemini-native body (model in the body) or an
 * OpenAI-shaped one and answers in the shape it was asked in.
 */
export function registerGeminiRoutes(app: FastifyInstance, services: Services): void {
  const config = { dialect: 'gemini' as const };
  const gemini = services.dialects.gemini;
  for (const prefix of ['/v1beta', '/api/v1beta']) {
    app.post(`${prefix}/models/*`, { config }, async (request, reply) => {
      const { model, action } = parseModelAction(request);
      if (action === 'countTokens') {
        resolveModel(services.config.catalog, model, 'gemini');
        const body = ((request.body as { json?: unknown } | undefined)?.json ?? {}) as Record<
          string,
          unknown
        >;
        // countTokens may wrap the request in `generateContentRequest`.
        const counted = (body['generateContentRequest'] as Record<string, unknown> | undefined) ?? body;
        return { totalTokens: await gemini.countPromptTokens(counted) };
      }
      return proxyMeteredCall(services, gemini, request, reply, {
        model,
        stream: action === 'streamGenerateContent',
      });
    });
  }
  for (const path of v1Paths('/gemini')) {
    app.post(path, { config }, (request, reply) => {
      const json = (request.body as { json?: unknown } | undefined)?.json;
      const body = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
      if (Array.isArray(body['messages'])) {
        return proxyMeteredCall(services, services.dialects['openai-chat'], request, reply);
      }
      if (typeof body['model'] !== 'string' || body['model'].length === 0) {
        throw new GatewayError('missing_model', {
          param: 'model',
          message: 'Missing required field: model.',
        });
      }
      const model = body['model'];
      const stream = body['stream'] === true;
      delete body['model'];
      delete body['stream'];
      return proxyMeteredCall(services, gemini, request, reply, { model, stream });
    });
  }
}
