import type { GatewayConfig } from '../config/index.ts';
import type { MeteringServices } from '../metering/admit.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { HealthStore } from '../routing/health.ts';
import type { FileService } from '../storage/index.ts';
import type { UpstreamClient } from '../upstream/http-client.ts';

/** What image generation needs of the running gateway (the server's `Services` has it all). */
export interface ImageRouteServices extends MeteringServices {
  config: GatewayConfig;
  health: HealthStore;
  metrics: GatewayMetrics;
  upstream: UpstreamClient;
  files: FileService;
}
