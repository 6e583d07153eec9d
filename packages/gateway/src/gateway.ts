import type { Redis } from 'ioredis';
import { AttemptThrottle, inScope, KeyAuthenticator } from './accounts/index.ts';
import { connectKeyInvalidation } from './accounts/key-invalidation.ts';
import { SpendingAlerts } from './billing/spending-alerts.ts';
import type { GatewayConfig } from './config/index.ts';
import { type Database, openDatabase } from './db/index.ts';
import { createAnthropicDialect } from './dialects/anthropic/proxy-dialect.ts';
import { createGeminiDialect } from './dialects/gemini/proxy-dialect.ts';
import { openAiChatDialect } from './dialects/openai-chat/proxy-dialect.ts';
import { openAiResponsesDialect } from './dialects/openai-responses/proxy-dialect.ts';
import { buildGpuBackends } from './gpu/backends.ts';
import { gpuJobHandler } from './gpu/gpu-handler.ts';
import { selfHostedBackend } from './gpu/self-hosted/index.ts';
import { JobEngine } from './jobs/engine.ts';
import { deleteExpiredOutputs } from './jobs/retention.ts';
import { MemoryRateLimiter, RedisRateLimiter } from './limits/rate-limiter.ts';
import { CreditLeases } from './metering/credit-lease/credit-leases.ts';
import { OpenCharges } from './metering/open-charges.ts';
import { releaseExpiredHolds } from './metering/release-expired-holds.ts';
import { logMailer, smtpMailer } from './notifications/mailer.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { createStripeClient } from './payments/index.ts';
import { type HealthStore, MemoryHealthStore, RedisHealthStore } from './routing/health.ts';
import { UpstreamRouter } from './routing/upstream-router.ts';
import { buildApp } from './server/app.ts';
import { type ConnectionTracker, trackConnections } from './server/idle-connections.ts';
import type { ServiceLogger, Services } from './server/services.ts';
import { createFileService } from './storage/index.ts';
import { UpstreamClient } from './upstream/http-client.ts';
import { UsageRollup } from './usage/rollup-runner.ts';
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
  // Loaded only when configured: an unused client library is resident memory for nothing.
  // Auto-pipelining: the commands of concurrent requests issued in one event-loop turn go out
  // as one socket write (https://github.com/redis/ioredis#autopipelining); on a busy replica a
  // write per command was its largest single CPU cost.
  const redis: Redis | undefined = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, {
        lazyConnect: false,
        maxRetriesPerRequest: 2,
        enableAutoPipelining: true,
      })
    : undefined;
  const health: HealthStore = redis
    ? new RedisHealthStore(redis, config.routing.breaker)
    : new MemoryHealthStore(config.routing.breaker);
  const keys = new KeyAuthenticator(database);
  // Every replica drops its key cache within a Redis round trip of a change anywhere.
  const invalidation = redis
    ? connectKeyInvalidation(redis, keys, { connectedTtlMs: 5_000, fallbackTtlMs: 1_000 })
    : undefined;
  const services: Services = {
    config,
    db: database,
    keys,
    openCharges: new OpenCharges(),
    ...(config.billing.creditLeases
      ? { creditLeases: new CreditLeases(database, { leaseMs: config.billing.holdLeaseMs }) }
      : {}),
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
    stripe: config.payments.stripe ? await createStripeClient(config.payments.stripe) : null,
    files: createFileService(config.storage, database),
    rateLimiter: redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter(),
    upstream,
    // RunPod per `gpuApi: runpod` provider; the self-hosted pool (gpu/self-hosted) as `workers`.
    gpuBackends: buildGpuBackends(
      config,
      upstream,
      selfHostedBackend(database, { pingIntervalMs: config.gpuWorkers.pingIntervalMs }),
    ),
    health,
    metrics,
    router: new UpstreamRouter({ client: upstream, health, metrics, policy: config.routing }),
    closeShared: async () => {
      await invalidation?.close();
      await health.close?.();
      await redis?.quit();
    },
    dialects: {
      'openai-chat': openAiChatDialect,
      'openai-responses': openAiResponsesDialect,
      anthropic: createAnthropicDialect(),
      gemini: createGeminiDialect(),
    },
  };
  // A key's limit changed or it was revoked (here or, through Redis, elsewhere): leases give back
  // what their calls do not use, so the next call is admitted against the new limit.
  keys.onDropped((scope) =>
    services.creditLeases?.drainAll((lease) =>
      inScope(scope, { keyId: lease.keyId, userId: lease.hold.userId, orgId: lease.hold.orgId ?? null }),
    ),
  );
  services.spendingAlerts = new SpendingAlerts({
    db: database,
    mailer: services.mailer,
    onKeyCapped: (keyId) => keys.invalidate({ keyId }),
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
  const connections = trackConnections(app.server);
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  // Every replica sweeps: a crashed one's holds are released within lease + lease/3.
  const sweep = setInterval(() => {
    releaseExpiredHolds(services.db).catch((error: unknown) =>
      app.log.error({ err: error }, 'hold sweep failed'),
    );
  }, holdSweepMs(config.billing.holdLeaseMs));
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
  // The dashboard's totals read closed days from the rollup; building it is never on a request's path.
  const rollup = new UsageRollup({
    db: services.db,
    intervalMs: config.usage.rollupIntervalMs,
    marginMs: config.usage.rollupMarginMs,
    onError: (error) => app.log.error({ err: error }, 'usage rollup failed'),
  });
  if (config.usage.rollupIntervalMs > 0) rollup.start();
  return {
    url: address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1'),
    services,
    async close() {
      clearInterval(sweep);
      webhooks.stop();
      clearInterval(retention);
      await rollup.stop();
      await drain(app, services, connections, config.server.shutdownGraceMs);
      // Every call has settled (or been refunded): the leases go back before the pool closes.
      await services.creditLeases?.close();
      await services.jobs.stop();
      await services.spendingAlerts.settled();
      services.mailer.close();
      await services.upstream.close();
      await services.closeShared();
      services.files.close();
      if (!options.db) await services.db.close();
    },
  };
}

/**
 * Graceful shutdown of the HTTP side: stop accepting, give every admitted request
 * `graceMs` to finish (charged and logged as usual), then cut the connections still open —
 * each such call settles through its client-gone path, billed for what was generated — and
 * refund, with a log row, any hold that still has not settled. Only then may the database
 * pool close: nothing admitted is left to write to it.
 */
async function drain(
  app: ReturnType<typeof buildApp>,
  services: Services,
  connections: ConnectionTracker,
  graceMs: number,
): Promise<void> {
  const closed = app.close();
  // Connections with no request in flight go now (a keep-alive socket between requests, or a spare one never used).
  connections.closeIdle();
  const deadline = Date.now() + graceMs;
  const finished = await services.openCharges.settled(graceMs);
  // Requests still being admitted hold their connection open: wait for those too.
  const connectionsGone = await Promise.race([
    closed.then(() => true),
    new Promise<false>((done) => setTimeout(() => done(false), Math.max(0, deadline - Date.now())).unref()),
  ]);
  if (!finished || !connectionsGone) {
    app.server.closeAllConnections();
    await services.openCharges.settled(2_000);
    const refunded = await services.openCharges.refundAll({
      status: 503,
      errorCode: 'shutdown',
      errorMessage: 'The gateway shut down before this request finished; its hold was released uncharged.',
    });
    if (refunded > 0) services.logger.error({ refunded }, 'shutdown refunded requests that did not finish');
  }
  await closed;
}

/**
 * How often each replica sweeps expired holds: a third of the lease (at most 5 s), so the
 * documented bound on a dead process's holds is lease + sweep (20 s with the 15 s default).
 */
export function holdSweepMs(leaseMs: number): number {
  return Math.max(100, Math.min(5_000, Math.floor(leaseMs / 3)));
}
