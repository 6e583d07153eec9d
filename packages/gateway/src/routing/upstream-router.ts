import type { UpstreamRequest } from '../contracts/index.ts';
import { GatewayError, UpstreamError } from '../errors/index.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { toUpstreamError, type UpstreamClient, type UpstreamResponse } from '../upstream/http-client.ts';
import { upstreamFailure } from '../upstream/upstream-failure.ts';
import type { ModelEntry } from './catalog.ts';
import type { HealthStore } from './health.ts';
import type { ModelRoute } from './model-route.ts';
import { orderTargets, targetKey } from './order-targets.ts';
import { backoffDelay, type RoutingPolicy, retryAfterMs, sleep } from './retry-policy.ts';

/** One try of one target, as the request log keeps it. */
export interface AttemptRecord {
  provider: string;
  model: string;
  status: number | null;
  latencyMs: number;
  /** `ok`, or the error code that made the gateway move on (or give up). */
  cause: string;
}

export interface RoutedResponse {
  route: ModelRoute;
  response: UpstreamResponse;
}

export interface RouterDependencies {
  client: UpstreamClient;
  health: HealthStore;
  metrics: GatewayMetrics;
  policy: RoutingPolicy;
  random?: () => number;
}

/**
 * Walks a model's targets until one answers: healthy targets in order (or by weight),
 * one backed-off retry per target for failures another try may not have (network,
 * timeouts, 429, 5xx, 529), never for a request the upstream rejected as such. It
 * only hands back a response once its first bytes arrived, so everything before the
 * client sees a byte can still fail over. Every try is recorded in `attempts`.
 */
export class UpstreamRouter {
  readonly #deps: RouterDependencies;

  constructor(deps: RouterDependencies) {
    this.#deps = deps;
  }

  async send(
    model: ModelEntry,
    routes: readonly ModelRoute[],
    build: (route: ModelRoute) => UpstreamRequest,
    signal: AbortSignal,
    attempts: AttemptRecord[],
  ): Promise<RoutedResponse> {
    const { health, policy } = this.#deps;
    const ordered = orderTargets(routes, this.#deps.random);
    const skipped: ModelRoute[] = [];
    let lastError: GatewayError | undefined;
    for (const route of ordered) {
      const admission = await health.admit(targetKey(route));
      this.#deps.metrics.breakerState(targetKey(route), admission.state);
      if (!admission.allowed) {
        skipped.push(route);
        continue;
      }
      // A half-open target's probe is one attempt: its failure reopens the breaker at once.
      const retries = admission.state === 'half-open' ? 0 : policy.retriesPerTarget;
      const outcome = await this.#tryTarget(model, route, build, signal, attempts, retries);
      if ('response' in outcome) return this.#answered(model, outcome.response, attempts);
      lastError = outcome.error;
      if (!outcome.error.retryable) throw outcome.error;
    }
    // Every target is cooling down: try them anyway rather than fail without asking.
    for (const route of lastError ? [] : skipped) {
      const outcome = await this.#tryTarget(model, route, build, signal, attempts, 0);
      if ('response' in outcome) return this.#answered(model, outcome.response, attempts);
      lastError = outcome.error;
      if (!outcome.error.retryable) throw outcome.error;
    }
    throw (
      lastError ?? new GatewayError('upstream_unavailable', { message: `Model ${model.id} has no upstream.` })
    );
  }

  #answered(model: ModelEntry, response: RoutedResponse, attempts: AttemptRecord[]): RoutedResponse {
    if (attempts.length > 1) this.#deps.metrics.failovers.inc({ model: model.id });
    return response;
  }

  async #tryTarget(
    model: ModelEntry,
    route: ModelRoute,
    build: (route: ModelRoute) => UpstreamRequest,
    signal: AbortSignal,
    attempts: AttemptRecord[],
    retries: number,
  ): Promise<{ response: RoutedResponse } | { error: GatewayError }> {
    const { provider } = route;
    if (provider.keyRequired && !provider.apiKey) {
      const envName = provider.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
      return {
        error: new GatewayError('upstream_unavailable', {
          message: `Model ${model.id} has no usable upstream: provider "${provider.name}" has no API key (set ${envName}_API_KEY).`,
        }),
      };
    }
    const request = buildRequest(build, route);
    // Made only when an attempt failed: a successful call builds no error object.
    let error: GatewayError | undefined;
    for (let retry = 0; retry <= retries; retry++) {
      if (retry > 0) {
        const wait = error instanceof UpstreamError ? error.retryAfterMs : undefined;
        if (wait !== undefined && wait > this.#deps.policy.maxRetryAfterMs) break;
        await sleep(backoffDelay(this.#deps.policy, retry, wait, this.#deps.random), signal);
      }
      const outcome = await this.#attempt(route, request, signal, attempts);
      if ('response' in outcome) return outcome;
      error = outcome.error;
      if (!error.retryable) return outcome;
    }
    return { error: error ?? new GatewayError('upstream_unavailable') };
  }

  async #attempt(
    route: ModelRoute,
    request: UpstreamRequest,
    signal: AbortSignal,
    attempts: AttemptRecord[],
  ): Promise<{ response: RoutedResponse } | { error: GatewayError }> {
    const { provider } = route;
    const { client, health, metrics } = this.#deps;
    const key = targetKey(route);
    const started = performance.now();
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...provider.headers,
      ...request.headers,
      ...provider.adapter.authHeaders(provider.apiKey ?? 'none'),
    };
    let status: number | null = null;
    try {
      const response = await client.post(
        provider.name,
        provider.baseUrl + request.path,
        headers,
        request.body,
        signal,
      );
      status = response.status;
      metrics.latency.observe({ provider: provider.name }, (performance.now() - started) / 1000);
      if (response.status >= 400) {
        const failure = upstreamFailure(
          provider.name,
          response.status,
          await response.body.text(),
          response.headers,
        );
        failure.retryAfterMs = retryAfterMs(response.headers);
        throw failure;
      }
      const ready = await firstBytes(provider.name, response);
      attempts.push({
        provider: provider.name,
        model: route.model,
        status,
        latencyMs: Math.round(performance.now() - started),
        cause: 'ok',
      });
      metrics.attempts.inc({ provider: provider.name, outcome: 'ok' });
      await health.recordSuccess(key);
      metrics.breakerState(key, 'closed');
      return { response: { route, response: ready } };
    } catch (caught) {
      if (signal.aborted) throw caught;
      const error = toUpstreamError(provider.name, caught);
      attempts.push({
        provider: provider.name,
        model: route.model,
        status,
        latencyMs: Math.round(performance.now() - started),
        cause: error.code,
      });
      metrics.attempts.inc({ provider: provider.name, outcome: error.code });
      // Only the upstream's own failures count against its health, not a bad request.
      if (error.retryable) metrics.breakerState(key, await health.recordFailure(key));
      return { error };
    }
  }
}

/**
 * Waits for the first bytes of the body before the target counts as answering: a
 * JSON answer is read whole (its text kept by the body), a stream up to its first chunk.
 * An upstream that dies before that can still be replaced, since the client has seen nothing.
 */
async function firstBytes(provider: string, response: UpstreamResponse): Promise<UpstreamResponse> {
  const isSse = String(response.headers['content-type'] ?? '').includes('text/event-stream');
  if (!isSse) {
    await response.body.text();
    return response;
  }
  if (!(await response.body.first())) {
    throw new UpstreamError('upstream_error', provider, response.status, '', {
      message: 'The upstream stream ended before sending anything.',
    });
  }
  return response;
}

/**
 * A request that cannot be built is the client's 400 (a GatewayError, thrown as is) or a
 * bug of ours (500) — never "could not reach the upstream": nothing was sent.
 */
function buildRequest(build: (route: ModelRoute) => UpstreamRequest, route: ModelRoute): UpstreamRequest {
  try {
    return build(route);
  } catch (error) {
    throw error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
  }
}
