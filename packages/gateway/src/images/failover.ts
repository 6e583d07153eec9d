import { GatewayError, UpstreamError } from '../errors/index.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { HealthStore } from '../routing/health.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { orderTargets, targetKey } from '../routing/order-targets.ts';
import { backoffDelay, type RoutingPolicy, sleep } from '../routing/retry-policy.ts';
import { toUpstreamError } from '../upstream/http-client.ts';

/** One try of one target, as the request log keeps it (request_attempts). */
export interface ImageAttempt {
  provider: string;
  model: string;
  status: number | null;
  latencyMs: number;
  cause: string;
}

export interface FailoverDeps {
  health: HealthStore;
  metrics: GatewayMetrics;
  policy: RoutingPolicy;
  random?: () => number;
}

/**
 * The image routes' failover, the same policy as chat: the model's targets in order
 * (or by weight), skipping those whose breaker is open, one backed-off retry per target
 * for failures another try may fix (network, timeout, 429, 5xx), none for a request the
 * vendor rejected; every try recorded in `attempts`. If every target is cooling down,
 * they are tried anyway rather than failing without asking.
 */
export async function withFailover<T>(
  deps: FailoverDeps,
  modelId: string,
  routes: readonly ModelRoute[],
  run: (route: ModelRoute) => Promise<T>,
  signal: AbortSignal,
  attempts: ImageAttempt[],
): Promise<{ route: ModelRoute; value: T }> {
  const ordered = orderTargets(routes, deps.random);
  const skipped: ModelRoute[] = [];
  let lastError: GatewayError | undefined;
  const tryRoute = async (route: ModelRoute, retries: number) => {
    const outcome = await tryTarget(deps, modelId, route, run, signal, attempts, retries);
    if ('value' in outcome) {
      if (attempts.length > 1) deps.metrics.failovers.inc({ model: modelId });
      return { route, value: outcome.value };
    }
    lastError = outcome.error;
    if (!outcome.error.retryable) throw outcome.error;
    return undefined;
  };
  for (const route of ordered) {
    if (!(await deps.health.admit(targetKey(route))).allowed) {
      skipped.push(route);
      continue;
    }
    const answered = await tryRoute(route, deps.policy.retriesPerTarget);
    if (answered) return answered;
  }
  for (const route of lastError ? [] : skipped) {
    const answered = await tryRoute(route, 0);
    if (answered) return answered;
  }
  throw (
    lastError ?? new GatewayError('upstream_unavailable', { message: `Model ${modelId} has no upstream.` })
  );
}

async function tryTarget<T>(
  deps: FailoverDeps,
  modelId: string,
  route: ModelRoute,
  run: (route: ModelRoute) => Promise<T>,
  signal: AbortSignal,
  attempts: ImageAttempt[],
  retries: number,
): Promise<{ value: T } | { error: GatewayError }> {
  const { provider } = route;
  if (provider.keyRequired && !provider.apiKey) {
    const envName = provider.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    return {
      error: new GatewayError('upstream_unavailable', {
        message: `Model ${modelId} has no usable upstream: provider "${provider.name}" has no API key (set ${envName}_API_KEY).`,
      }),
    };
  }
  const key = targetKey(route);
  let error: GatewayError = new GatewayError('upstream_unavailable');
  for (let retry = 0; retry <= retries; retry++) {
    if (retry > 0) {
      const wait = error instanceof UpstreamError ? error.retryAfterMs : undefined;
      if (wait !== undefined && wait > deps.policy.maxRetryAfterMs) break;
      await sleep(backoffDelay(deps.policy, retry, wait, deps.random), signal);
    }
    const started = performance.now();
    try {
      const value = await run(route);
      attempts.push({
        provider: provider.name,
        model: route.model,
        status: 200,
        latencyMs: elapsed(started),
        cause: 'ok',
      });
      deps.metrics.attempts.inc({ provider: provider.name, outcome: 'ok' });
      deps.metrics.latency.observe({ provider: provider.name }, (performance.now() - started) / 1000);
      await deps.health.recordSuccess(key);
      deps.metrics.breakerState(key, 'closed');
      return { value };
    } catch (caught) {
      if (signal.aborted) throw caught;
      error = toUpstreamError(provider.name, caught);
      attempts.push({
        provider: provider.name,
        model: route.model,
        status: error instanceof UpstreamError ? error.upstreamStatus : null,
        latencyMs: elapsed(started),
        cause: error.code,
      });
      deps.metrics.attempts.inc({ provider: provider.name, outcome: error.code });
      // Only the vendor's own failures count against its health, not a bad request.
      if (!error.retryable) return { error };
      deps.metrics.breakerState(key, await deps.health.recordFailure(key));
    }
  }
  return { error };
}

const elapsed = (started: number): number => Math.round(performance.now() - started);
