import { isRecord } from '../handlers/types.ts';
import type { WorkerEnv } from './worker-urls.ts';

/** Register mode: a self-hosted box joins a Hypereal gateway's worker pool with an operator token. */
export interface GatewayRegistration {
  /** The gateway's base URL, e.g. `http://gpu-gateway:8080`. */
  url: string;
  /** An operator-issued worker token (`gwt_…`). */
  token: string;
  /** Catalogue endpoints this box serves, e.g. `["sdxl", "wan-video"]`. */
  serve: readonly string[];
  /** The docker image this box stands for (deployments of that image run here). */
  image?: string | undefined;
  name?: string | undefined;
}

export interface RegisteredWorker {
  workerId: string;
  /** RunPod's worker environment, pointing at the gateway. */
  env: WorkerEnv;
}

/**
 * `POST {gateway}/v1/gpu-workers/register` with `Authorization: Bearer gwt_…`: the answer holds
 * RunPod-style worker URLs and a session secret, so the worker then runs exactly as on RunPod.
 */
export async function registerWithGateway(
  registration: GatewayRegistration,
  signal?: AbortSignal,
): Promise<RegisteredWorker> {
  const response = await fetch(`${registration.url.replace(/\/+$/, '')}/v1/gpu-workers/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${registration.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      serve: registration.serve,
      ...(registration.image ? { image: registration.image } : {}),
      ...(registration.name ? { name: registration.name } : {}),
    }),
    ...(signal ? { signal } : {}),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = isRecord(body) && isRecord(body['error']) ? body['error']['message'] : undefined;
    throw new Error(
      `gateway refused the registration (HTTP ${response.status}): ${String(error ?? 'no reason given')}`,
    );
  }
  if (!isRecord(body) || typeof body['id'] !== 'string' || !isRecord(body['env'])) {
    throw new Error('gateway answered the registration without a worker id and env');
  }
  const env: WorkerEnv = {};
  for (const [name, value] of Object.entries(body['env'])) {
    if (typeof value === 'string') env[name] = value;
    else if (typeof value === 'number') env[name] = String(value);
  }
  return { workerId: body['id'], env };
}
