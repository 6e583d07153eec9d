import type { GatewayConfig } from '../config/index.ts';
import type { MeteringServices } from '../metering/admit.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { GpuBackend } from '../providers/gpu/types.ts';
import type { HealthStore } from '../routing/health.ts';
import type { FileService } from '../storage/index.ts';

/** What GPU jobs and deployments need of the running gateway (the server's `Services` has it all). */
export interface GpuServices extends MeteringServices {
  config: GatewayConfig;
  health: HealthStore;
  metrics: GatewayMetrics;
  files: FileService;
  /** Provider name (`runpod`, `workers`) → its backend. */
  gpuBackends: ReadonlyMap<string, GpuBackend>;
}
