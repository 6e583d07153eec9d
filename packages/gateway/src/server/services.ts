import type Stripe from 'stripe';
import type { AttemptThrottle, KeyAuthenticator } from '../accounts/index.ts';
import type { SpendingAlerts } from '../billing/spending-alerts.ts';
import type { GatewayConfig } from '../config/index.ts';
import type { WireDialect } from '../contracts/index.ts';
import type { Database } from '../db/index.ts';
import type { ProxyDialect } from '../dialects/dialect.ts';
import type { JobEngine } from '../jobs/engine.ts';
import type { RateLimiter } from '../limits/rate-limiter.ts';
import type { Mailer } from '../notifications/mailer.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { GpuBackend } from '../providers/gpu/types.ts';
import type { ProxyServices } from '../proxy/proxy-services.ts';
import type { HealthStore } from '../routing/health.ts';
import type { UpstreamRouter } from '../routing/upstream-router.ts';
import type { TxtResolver } from '../sso/index.ts';
import type { FileService } from '../storage/index.ts';
import type { UpstreamClient } from '../upstream/http-client.ts';

/** The slice of the app logger that background work (alerts, sweeps) writes to. */
export interface ServiceLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** What the routes need, built once at startup and passed explicitly. */
export interface Services extends ProxyServices {
  config: GatewayConfig;
  db: Database;
  keys: KeyAuthenticator;
  rateLimiter: RateLimiter;
  upstream: UpstreamClient;
  router: UpstreamRouter;
  health: HealthStore;
  metrics: GatewayMetrics;
  spendingAlerts: SpendingAlerts;
  mailer: Mailer;
  throttle: AttemptThrottle;
  /** The Stripe SDK when top-ups are configured (`payments.stripe`), else null. */
  stripe: Stripe | null;
  /** Users' files (uploads, generated media) and their signed links. */
  files: FileService;
  /** The durable job engine: this process's worker for async jobs (video, GPU). */
  jobs: JobEngine;
  /** GPU provider name (`runpod`, `workers`) → its backend. */
  gpuBackends: ReadonlyMap<string, GpuBackend>;
  /** DNS TXT lookups for email-domain claims; the system resolver unless a test sets one. */
  resolveTxt?: TxtResolver;
  /** Replaced by the HTTP app's logger once it exists. */
  logger: ServiceLogger;
  /** Closes connections shared with other replicas (Redis). */
  closeShared(): Promise<void>;
  /** One codec per client wire format (the Anthropic one remembers thinking signers). */
  dialects: Readonly<Record<WireDialect, ProxyDialect>>;
}
