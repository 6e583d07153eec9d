import { Redis } from 'ioredis';
import { AttemptThrottle, KeyAuthenticator } from './accounts/index.ts';
import { warmTokenizer } from './billing/count-tokens.ts';
import { SpendingAlerts } from './billing/spending-alerts.ts';
import type { GatewayConfig } from './config/index.ts';
import { type Database, openDatabase } from './db/index.ts';
import { createAnthropicDialect } from './dialects/anthropic/proxy-dialect.ts';
import { createGeminiDialect } from './dialects/gemini/proxy-dialect.ts';
import { openAiChatDialect } from './dialects/openai-chat/proxy-dialect.ts';
import { openAiResponsesDialect } from './dialects/openai-responses/proxy-dialect.ts';
import { buildGpuBackends } from './gpu/backends.ts';
import { gpuJobHandler } from './gpu/gpu-handler.ts';
import { JobEngine } from './jobs/engine.ts';
import { deleteExpiredOutputs } from './jobs/retention.ts';
import { MemoryRateLimiter, RedisRateLimiter } from './limits/rate-limiter.ts';
import { releaseExpiredHolds } from './metering/release-expired-holds.ts';
import { logMailer, smtpMailer } from './notifications/mailer.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { createStripeClient } from './payments/index.ts';
import { MemoryHealthStore, RedisHealthStore } from './routing/health.ts';
import { UpstreamRouter } from './routing/upstream-router.ts';
import { buildApp } from './server/app.ts';
import type { ServiceLogger, Services } from './server/services.ts';
import { createFileService } from './storage/index.ts';
import { UpstreamClient } from './upstream/http-client.ts';
import { videoJobHandler } from './video/video-handler.ts';
import { WebhookSender } from './webhooks/sender.ts';

export interface RunningGateway {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/** Until the HTTP app's logger replaces it: errors still reach stderr, routine events do not. */
const quietLogger: ServiceLogger = {
  info: () => undefined,
  error: (object, message) => console.error(message, object),
};

export async function createServices(config: GatewayConfig, db?: Database): Promise<Services> {
  const database =
    db ?? (await openDatabase({ databaseUrl: config.database.url, sqlitePath: config.database.sqlitePath }));
  const upstream = new UpstreamClient(config.upstream);
  const metrics = new GatewayMetrics();
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
    : undefined;
  const health = redis
    ? new RedisHealthStore(redis, config.routing.breaker)
    : new MemoryHealthStore(config.routing.breaker);
  const keys = new KeyAuthenticator(database);
  const services: Services = {
    config,
    db: database,
    keys,
    logger: quietLogger,
    // Spending alerts reach the log when no SMTP server is configured.
    mailer: config.mail.smtpUrl
      ? smtpMailer(config.mail.smtpUrl, config.mail.from)
      : logMailer((mail) =>
          services.logger.info({ to: mail.to, subject: mail.subject }, 'email (no SMTP configured)'),
        ),
    spendingAlerts: undefined as never,
    jobs: undefined as never,
    throttle: new AttemptThrottle(database),
    stripe: config.payments.stripe ? createStripeClient(config.payments.stripe) : null,
    files: createFileService(config.storage, database),
    rateLimiter: redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter(),
    upstream,
    // The self-hosted pool (gpu/self-hosted) joins as `workers` once it is wired in.
    gpuBackends: buildGpuBackends(config, upstream, undefined),
    health,
    metrics,
    router: new UpstreamRouter({ client: upstream, health, metrics, policy: config.routing }),
    closeShared: async () => {
      await redis?.quit();
    },
    dialects: {
      'openai-chat': openAiChatDialect,
      'openai-responses': openAiResponsesDialect,
      anthropic: createAnthropicDialect(),
      gemini: createGeminiDialect(),
    },
  };
  services.spendingAlerts = new SpendingAlerts({
    db: database,
    mailer: services.mailer,
    onKeyCapped: () => keys.invalidate(),
    onError: (error) => services.logger.error({ err: error }, 'spending alert failed'),
    publicUrl: config.publicUrl,
  });
  services.jobs = new JobEngine({
    db: database,
    handlers: { video: videoJobHandler(services), gpu: gpuJobHandler(services) },
    tickMs: config.jobs.tickMs,
    leaseMs: config.jobs.leaseMs,
    concurrency: config.jobs.concurrency,
    maxPollIntervalMs: config.jobs.maxPollIntervalMs,
    onError: (error, job) => services.logger.error({ err: error, jobId: job?.id }, 'job step failed'),
    onRetry: (error, job) =>
      services.logger.info(
        { code: error.code, message: error.message, jobId: job.id },
        'job step will be retried',
      ),
  });
  return services;
}

export async function startGateway(
  config: GatewayConfig,
  options: { db?: Database; logger?: boolean } = {},
): Promise<RunningGateway> {
  const services = await createServices(config, options.db);
  await releaseExpiredHolds(services.db);
  const app = buildApp(services, options.logger === undefined ? {} : { logger: options.logger });
  if (options.logger !== false && config.server.logLevel !== 'silent') services.logger = app.log;
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  warmTokenizer();
  const sweep = setInterval(() => {
    releaseExpiredHolds(services.db).catch((error: unknown) =>
      app.log.error({ err: error }, 'hold sweep failed'),
    );
  }, config.billing.holdLeaseMs / 2);
  sweep.unref();
  services.jobs.start();
  const webhooks = new WebhookSender({
    db: services.db,
    tickMs: config.jobs.tickMs,
    retryBaseMs: config.jobs.webhookRetryBaseMs,
    maxAttempts: config.jobs.webhookMaxAttempts,
    allowPrivate: config.network.allowPrivate,
    onError: (error, delivery) =>
      services.logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery not recorded'),
  });
  webhooks.start();
  const retention = setInterval(() => {
    deleteExpiredOutputs(services.db, services.files, config.jobs.outputRetentionMs).catch((error: unknown) =>
      app.log.error({ err: error }, 'job output retention sweep failed'),
    );
  }, 60_000);
  retention.unref();
  return {
    url: address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1'),
    services,
    async close() {
      clearInterval(sweep);
      webhooks.stop();
      clearInterval(retention);
      await services.jobs.stop();
      await app.close();
      await services.spendingAlerts.settled();
      services.mailer.close();
      await services.upstream.close();
      await services.closeShared();
      services.files.close();
      if (!options.db) await services.db.close();
    },
  };
}
