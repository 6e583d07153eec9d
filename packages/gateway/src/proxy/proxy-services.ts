import type { GatewayConfig } from '../config/index.ts';
import type { WireDialect } from '../contracts/index.ts';
import type { ProxyDialect } from '../dialects/dialect.ts';
import type { MeteringServices } from '../metering/admit.ts';
import type { HealthStore } from '../routing/health.ts';
import type { UpstreamRouter } from '../routing/upstream-router.ts';

/** What the metered proxy needs of the running gateway (the server's `Services` has it all). */
export interface ProxyServices extends MeteringServices {
  config: GatewayConfig;
  router: UpstreamRouter;
  health: HealthStore;
  dialects: Readonly<Record<WireDialect, ProxyDialect>>;
}
