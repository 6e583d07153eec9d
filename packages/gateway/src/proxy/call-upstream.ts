import { GatewayError, UpstreamError } from '../errors/index.ts';
import type { ModelEntry, ModelRoute } from '../routing/catalog.ts';
import type { UpstreamClient, UpstreamResponse } from '../upstream/http-client.ts';
import type { UpstreamRequest } from './proxy-dialect.ts';
import { upstreamFailure } from './upstream-errors.ts';

export interface UpstreamAttempt {
  route: ModelRoute;
  response: UpstreamResponse;
  attempts: number;
}

/**
 * Sends the call to `routes` in order, moving on only for failures another upstream
 * might not have (network, 429, 5xx, 529) and only before anything reached the client.
 */
export async function callUpstream(
  client: UpstreamClient,
  model: ModelEntry,
  routes: readonly ModelRoute[],
  build: (route: ModelRoute) => UpstreamRequest,
  signal: AbortSignal,
): Promise<UpstreamAttempt> {
  let lastError: GatewayError | undefined;
  let attempts = 0;
  for (const [index, route] of routes.entries()) {
    const { provider } = route;
    const isLast = index === routes.length - 1;
    if (provider.keyRequired && !provider.apiKey) {
      lastError = new GatewayError('upstream_unavailable', {
        message: `Model ${model.id} has no usable upstream: provider "${provider.name}" has no API key (set ${provider.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY).`,
      });
      continue;
    }
    attempts++;
    const request = build(route);
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...provider.headers,
      ...request.headers,
      ...provider.adapter.authHeaders(provider.apiKey ?? 'none'),
    };
    try {
      const response = await client.post(
        provider.name,
        provider.baseUrl + request.path,
        headers,
        request.body,
        signal,
      );
      if (response.status < 400) return { route, response, attempts };
      const failure = upstreamFailure(
        provider.name,
        response.status,
        await response.body.text(),
        response.headers,
      );
      if (!failure.retryable || isLast) throw failure;
      lastError = failure;
    } catch (error) {
      if (signal.aborted) throw error;
      if (!(error instanceof UpstreamError) || !error.retryable || isLast) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new GatewayError('upstream_unavailable');
}
