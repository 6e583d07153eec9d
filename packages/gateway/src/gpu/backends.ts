import type { GatewayConfig } from '../config/index.ts';
import { GatewayError } from '../errors/index.ts';
import { runpodBackend } from '../providers/gpu/runpod.ts';
import type { GpuBackend } from '../providers/gpu/types.ts';
import type { UpstreamClient } from '../upstream/http-client.ts';

/**
 * One backend per GPU provider of the config: each `gpuApi: runpod` provider gets a RunPod
 * client on its base URL and key (RUNPOD_BASE_URL / RUNPOD_API_KEY for `runpod`); the
 * `gpuApi: workers` provider is the self-hosted pool, passed in by whoever built it.
 */
export function buildGpuBackends(
  config: GatewayConfig,
  upstream: UpstreamClient,
  selfHosted: GpuBackend | undefined,
): Map<string, GpuBackend> {
  const backends = new Map<string, GpuBackend>();
  for (const [name, api] of config.gpu.apis) {
    const provider = config.providers.get(name);
    if (!provider) continue;
    if (api === 'runpod') {
      backends.set(
        name,
        runpodBackend({
          client: upstream,
          provider: name,
          baseUrl: provider.baseUrl,
          restBaseUrl: config.gpu.runpodRestBaseUrl,
          apiKey: provider.apiKey,
          headers: provider.headers,
        }),
      );
    } else if (selfHosted) {
      backends.set(name, selfHosted);
    }
  }
  return backends;
}

/** The backend of a provider name; a route to one this gateway lacks is unavailable (failover moves on). */
export function backendFor(backends: ReadonlyMap<string, GpuBackend>, provider: string): GpuBackend {
  const backend = backends.get(provider);
  if (!backend)
    throw new GatewayError('upstream_unavailable', {
      message: `GPU backend "${provider}" is not available on this gateway.`,
    });
  return backend;
}

/** The backend new deployments get: RunPod when its key is configured, else the self-hosted pool. */
export function defaultDeploymentBackend(config: GatewayConfig): string {
  for (const [name, api] of config.gpu.apis) {
    if (api === 'runpod' && config.providers.get(name)?.apiKey) return name;
  }
  for (const [name, api] of config.gpu.apis) if (api === 'workers') return name;
  return 'workers';
}
