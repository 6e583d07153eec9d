import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../contracts/index.ts';

const breakerValue: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

/** Prometheus metrics of one gateway instance (its own registry, so tests can run several). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'hypereal_requests_total',
    help: 'Client requests by endpoint and status',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'hypereal_upstream_attempts_total',
    help: 'Upstream attempts by provider and outcome (ok, or the failure cause)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly failovers = new Counter({
    name: 'hypereal_failovers_total',
    help: 'Requests answered by a target other than the first one tried',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly breaker = new Gauge({
    name: 'hypereal_breaker_state',
    help: 'Circuit breaker per target: 0 closed, 1 open, 2 half-open',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'hypereal_upstream_latency_seconds',
    help: 'Time to the upstream response headers',
    labelNames: ['provider'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  /** Each target's gauge value as last set: a call sets it twice, nearly always to what it was. */
  readonly #breakerValues = new Map<string, number>();

  breakerState(target: string, state: BreakerState): void {
    const value = breakerValue[state];
    if (this.#breakerValues.get(target) === value) return;
    this.#breakerValues.set(target, value);
    this.breaker.set({ target }, value);
  }

  /**
   * Before a scrape: every breaker as the shared store sees it now (another replica may have
   * opened or closed it); a target this replica knew that the store no longer has is closed.
   */
  syncBreakers(states: ReadonlyMap<string, BreakerState>): void {
    for (const target of this.#breakerValues.keys())
      if (!states.has(target)) this.breakerState(target, 'closed');
    for (const [target, state] of states) this.breakerState(target, state);
  }
}
