import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSource, scanJson } from '../contracts/json-source.ts';
import { requestsInFlight } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import { admission } from './admission.ts';
import { clientErrorHandler } from './client-error.ts';
import { errorHandler, renderedError } from './error-handler.ts';
import { redactUrl } from './extract-key.ts';
import { maxJsonDepth } from './json-depth.ts';
import './request-state.ts';
import './route-dialect.ts';
import { abortOnClientClose } from '../proxy/client-abort.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerAudioRoutes } from './routes/audio.ts';
import { registerChatRoutes } from './routes/chat-completions.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerDeploymentRoutes } from './routes/deployments.ts';
import { registerFileContentRoutes, registerStorageRoutes } from './routes/files.ts';
import { registerGeminiRoutes } from './routes/gemini.ts';
import { registerGpuRoutes } from './routes/gpu.ts';
import { registerGpuWorkerRoutes } from './routes/gpu-workers.ts';
import { registerImageRoutes } from './routes/images.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMessagesRoutes } from './routes/messages.ts';
import { registerMetricsRoutes } from './routes/metrics.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerResponsesRoutes } from './routes/responses.ts';
import { registerStripeWebhookRoute } from './routes/stripe-webhook.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import type { Services } from './services.ts';

/** A response closed (sent, or its client gone): one request fewer in flight. */
function leave(): void {
  requestsInFlight.count -= 1;
}

export interface BuildAppOptions {
  logger?: boolean;
  /** Sees every route as it is registered (the SDK's coverage test lists them this way). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

export function buildApp(services: Services, options: BuildAppOptions = {}): FastifyInstance {
  const { server } = services.config;
  const app = Fastify({
    bodyLimit: server.bodyLimitBytes,
    // A client must send its whole request in time: a body trickled a byte at a time
    // otherwise holds its socket forever. Node checks these every connectionsCheckingInterval.
    // https://nodejs.org/api/http.html#serverrequesttimeout
    requestTimeout: server.requestTimeoutMs,
    http: {
      headersTimeout: server.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(server.requestTimeoutMs / 4))),
    },
    clientErrorHandler,
    // A URL that does not decode (`/v1/%zz`) is the client's mistake, in the path's own envelope.
    frameworkErrors: (error, request, reply) => {
      renderedError(
        services,
        request,
        reply,
        new GatewayError('invalid_request', { message: error.message }),
      );
    },
    genReqId: () => newId('req'),
    logger:
      options.logger === false || server.logLevel === 'silent'
        ? false
        : {
            level: server.logLevel,
            serializers: {
              // Never the headers (keys) nor a ?key= query string.
              req: (request) => ({ method: request.method, url: redactUrl(request.url) }),
            },
          },
  });

  const { onRoute } = options;
  if (onRoute) app.addHook('onRoute', (route) => onRoute({ method: route.method, url: route.url }));
  app.decorateRequest('hypereal', null as never);
  // Callback hooks where nothing is awaited: an async one costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    // From the first byte: a client that hangs up before its hold is placed is not billed in full.
    abortOnClientClose(reply);
    requestsInFlight.count += 1;
    reply.raw.once('close', leave);
    const path = request.url.split('?', 1)[0] ?? '';
    request.hypereal = {
      requestId: request.id,
      startedAt: Date.now(),
      endpoint: path.startsWith('/api/v1/') ? path.slice(4) : path,
      principal: null,
      session: null,
      model: null,
      logged: false,
    };
    done();
  });

  // Bodies are JSON whatever the content-type says (curl -d sends form encoding);
  // the raw text is kept because its size bounds the request's worst-case cost.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, bytes, done) => {
    const raw = (bytes as Buffer).toString('utf8');
    if (raw.trim().length === 0) return done(null, { text: raw, json: undefined });
    // One pass for the depth check and the members' places (so a forwarded body is spliced, not re-serialised).
    const scan = scanJson(raw, maxJsonDepth);
    if (scan.tooDeep) {
      return done(
        new GatewayError('invalid_json', {
          message: `Request body nests deeper than ${maxJsonDepth} levels.`,
        }),
        undefined,
      );
    }
    try {
      const json: unknown = JSON.parse(raw);
      done(null, { text: raw, json, source: jsonSource(raw, scan, json, bytes as Buffer) });
    } catch (error) {
      done(
        new GatewayError('invalid_json', {
          message: `Request body is not valid JSON: ${(error as Error).message}`,
          cause: error,
        }),
        undefined,
      );
    }
  });

  // An early answer (a 401 before the body, a 413) closes the connection: the rest of
  // a body nobody will read must not keep the socket.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete) reply.header('connection', 'close');
    done(null, payload);
  });
  app.setErrorHandler(errorHandler(services));
  app.setNotFoundHandler(async (request) => {
    throw new GatewayError('not_found', {
      message: `Unknown route: ${request.method} ${redactUrl(request.url).split('?', 1)[0]}`,
    });
  });

  app.get('/health', async () => ({ status: 'ok' }));

  registerAdminRoutes(app, services, services.config.admin.token);
  registerDashboardRoutes(app);
  registerMetricsRoutes(app, services, services.config.metricsToken);
  registerAccountRoutes(app, services);
  registerStripeWebhookRoute(app, services);
  // Self-hosted GPU workers authenticate with their own session secrets, outside admission.
  registerGpuWorkerRoutes(app, services);
  // Signed file links carry their own credential (the signature), not an API key.
  registerFileContentRoutes(app, services);

  const admit = admission(services);
  app.register(async (v1) => {
    v1.addHook('onRequest', admit);
    registerChatRoutes(v1, services);
    registerMessagesRoutes(v1, services);
    registerResponsesRoutes(v1, services);
    registerGeminiRoutes(v1, services);
    registerImageRoutes(v1, services);
    registerJobRoutes(v1, services);
    registerWebhookRoutes(v1, services);
    registerAudioRoutes(v1, services);
    registerModelRoutes(v1, services);
    registerStorageRoutes(v1, services);
    registerGpuRoutes(v1, services);
    registerDeploymentRoutes(v1, services);
  });
  return app;
}
