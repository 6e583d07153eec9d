import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.ts';
import { UpstreamClient } from '../../upstream/http-client.ts';
import { endpointState, runpodBackend, toGpuJobStatus } from './runpod.ts';
import type { GpuBackend } from './types.ts';

const signal = () => AbortSignal.timeout(5_000);
const failure = async (work: Promise<unknown>): Promise<GatewayError> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
};

describe('RunPod backend against the RunPod simulator', () => {
  let sim: UpstreamSim;
  let client: UpstreamClient;
  let backend: GpuBackend;

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: ['rp-key'] });
    client = new UpstreamClient({ connectTimeoutMs: 2_000, firstByteTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
    backend = runpodBackend({
      client,
      provider: 'runpod',
      baseUrl: `${sim.url}/v2`,
      restBaseUrl: `${sim.url}/v2`,
      apiKey: 'rp-key',
    });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('submits with the execution policy, reads the status, cancels', async () => {
    const submitted = await backend.submit(
      'sdxl',
      { input: { prompt: 'x' }, executionTimeoutMs: 9_000, ttlMs: 60_000 },
      signal(),
    );
    expect(submitted.state).toBe('queued');
    const atSim = sim.runpod.jobs.jobs.get(submitted.providerJobId);
    expect(atSim?.policy).toMatchObject({ executionTimeoutMs: 9_000, ttlMs: 60_000 });
    expect((await backend.status('sdxl', submitted.providerJobId, signal())).state).toBe('queued');
    await backend.cancel('sdxl', submitted.providerJobId, signal());
    expect((await backend.status('sdxl', submitted.providerJobId, signal())).state).toBe('canceled');
  });

  it('maps errors: unknown job → not_found, 5xx and 429 retryable, a bad key not', async () => {
    expect((await failure(backend.status('sdxl', 'no-such-job', signal()))).code).toBe('not_found');
    sim.addFault({ match: { path: '/v2/sdxl/run' }, status: 503 });
    const unavailable = await failure(
      backend.submit('sdxl', { input: {}, executionTimeoutMs: 1_000 }, signal()),
    );
    expect(unavailable.retryable).toBe(true);
    sim.addFault({ match: { path: '/v2/sdxl/run' }, status: 429, headers: { 'retry-after': '3' } });
    const limited = await failure(backend.submit('sdxl', { input: {}, executionTimeoutMs: 1_000 }, signal()));
    expect(limited.code).toBe('upstream_rate_limited');
    const wrongKey = runpodBackend({
      client,
      provider: 'runpod',
      baseUrl: `${sim.url}/v2`,
      restBaseUrl: `${sim.url}/v2`,
      apiKey: 'nope',
    });
    const refused = await failure(
      wrongKey.submit('sdxl', { input: {}, executionTimeoutMs: 1_000 }, signal()),
    );
    expect(refused.message).toContain('credentials');
    const unconfigured = runpodBackend({
      client,
      provider: 'runpod',
      baseUrl: `${sim.url}/v2`,
      restBaseUrl: `${sim.url}/v2`,
      apiKey: undefined,
    });
    const missing = await failure(unconfigured.health('sdxl', signal()));
    expect(missing.code).toBe('upstream_unavailable');
  });

  it('provisions a template + queue endpoint, updates it, removes both; a bad spec is a 400 with RunPod’s words', async () => {
    const spec = {
      name: 'unit-deployment',
      dockerImage: 'example/worker:1',
      gpuTypes: ['ADA_24'],
      minWorkers: 0,
      maxWorkers: 2,
      idleTimeoutSeconds: 15,
      executionTimeoutMs: 30_000,
      env: { A: '1' },
    };
    const info = await backend.provision(spec, signal());
    expect(info.state).toBe('scaled_to_zero');
    const endpoint = sim.runpod.registry.endpoints.get(info.endpointId);
    expect(endpoint).toMatchObject({
      gpu: { pools: ['ADA_24'] },
      workers: { min: 0, max: 2, idleTimeout: 15 },
      timeout: 30_000,
    });
    expect(sim.runpod.registry.templates.get(endpoint?.templateId ?? '')).toMatchObject({
      image: 'example/worker:1',
      env: { A: '1' },
    });
    await backend.update(
      info.endpointId,
      { ...spec, maxWorkers: 4, dockerImage: 'example/worker:2' },
      signal(),
    );
    expect(sim.runpod.registry.endpoints.get(info.endpointId)?.workers.max).toBe(4);
    expect(sim.runpod.registry.templates.get(endpoint?.templateId ?? '')?.image).toBe('example/worker:2');
    await backend.remove(info.endpointId, signal());
    expect(sim.runpod.registry.endpoints.has(info.endpointId)).toBe(false);
    expect(sim.runpod.registry.templates.has(endpoint?.templateId ?? '')).toBe(false);
    // Removing what is already gone is what DELETE wanted.
    await backend.remove(info.endpointId, signal());
    const bad = await failure(
      backend.provision({ ...spec, name: 'bad', gpuTypes: ['NO_SUCH_POOL'] }, signal()),
    );
    expect(bad.code).toBe('invalid_request');
    expect(bad.message).toMatch(/RunPod rejected the request/);
  });
});

describe('RunPod job objects and endpoint states', () => {
  it('reads job states and the SDK’s JSON-encoded error', () => {
    expect(toGpuJobStatus({ id: 'a', status: 'IN_PROGRESS' }).state).toBe('running');
    expect(toGpuJobStatus({ id: 'a', status: 'RUNNING' }).state).toBe('running');
    expect(toGpuJobStatus({ id: 'a', status: 'TIMED_OUT' }).state).toBe('timed_out');
    const raised = toGpuJobStatus({
      id: 'a',
      status: 'FAILED',
      error: JSON.stringify({ error_type: 'ValueError', error_message: 'bad prompt', error_traceback: '…' }),
    });
    expect(raised.error).toBe('bad prompt');
    const graceful = toGpuJobStatus({
      id: 'a',
      status: 'FAILED',
      error: 'Job processing failed',
      output: { details: ['node 3: out of memory'] },
    });
    expect(graceful.error).toBe('Job processing failed: node 3: out of memory');
    const done = toGpuJobStatus({
      id: 'a',
      status: 'COMPLETED',
      executionTime: 1234,
      delayTime: 5,
      output: { images: [] },
    });
    expect(done).toMatchObject({ state: 'succeeded', executionMs: 1234, delayMs: 5, output: { images: [] } });
    expect(() => toGpuJobStatus({ id: 'a', status: 'EXPLODED' })).toThrow(GatewayError);
  });
  it('derives the endpoint state from its workers', () => {
    expect(endpointState({ idle: 1, running: 0, initializing: 0 })).toBe('ready');
    expect(endpointState({ idle: 0, running: 0, initializing: 2 })).toBe('provisioning');
    expect(endpointState({ idle: 0, running: 0, initializing: 0 }, 1)).toBe('unhealthy');
    expect(endpointState({ idle: 0, running: 0, initializing: 0 })).toBe('scaled_to_zero');
  });
});
