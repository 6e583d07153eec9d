import { type RunningWorker, startWorker } from '@hypereal/gpu-worker';
import { runpodWorkerEnv } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorKey } from '../../gateway/test/helpers/harness.ts';
import {
  BadRequestError,
  ConflictError,
  type Deployment,
  type DeploymentJob,
  type GpuJob,
  type GpuJobQueued,
  type GpuModel,
  type GpuTier,
  Hypereal,
  NotFoundError,
} from '../src/index.ts';
import { startFlakyProxy } from './helpers/flaky-proxy.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const modelFields = fieldsOf<GpuModel>()([
  'slug',
  'object',
  'name',
  'modalities',
  'mode',
  'price',
  'maxSeconds',
  'inputSchema',
]);
const tierFields = fieldsOf<GpuTier>()(['id', 'object', 'name', 'memoryGb', 'pricePerSecondCredits']);
const jobFields = fieldsOf<GpuJob>()([
  'id',
  'object',
  'model',
  'status',
  'progress',
  'outputs',
  'costCredits',
  'durationMs',
  'delayMs',
  'pollUrl',
  'createdAt',
  'finishedAt',
  'error',
]);
const queuedFields = fieldsOf<GpuJobQueued>()(['id', 'object', 'model', 'status', 'pollUrl']);
const deploymentJobFields = fieldsOf<DeploymentJob>()([
  'job_id',
  'object',
  'deployment',
  'status',
  'progress',
  'provider_job_id',
  'output',
  'executionMs',
  'delayMs',
  'creditsCharged',
  'pollUrl',
  'createdAt',
  'finishedAt',
  'error',
]);
const deploymentFields = fieldsOf<Deployment>()([
  'id',
  'object',
  'slug',
  'name',
  'dockerImage',
  'gpuTypes',
  'minWorkers',
  'maxWorkers',
  'idleTimeoutSeconds',
  'maxSeconds',
  'envKeys',
  'webhookUrl',
  'backend',
  'endpointId',
  'state',
  'workers',
  'pricePerSecondCredits',
  'workflow',
  'createdAt',
  'updatedAt',
]);

describe('client.gpu and client.deployments against the gateway, RunPod simulator and the shipped worker', () => {
  let gw: SdkHarness;
  const workers: RunningWorker[] = [];
  const image = 'example/sdk-test-worker:1.0';

  beforeAll(async () => {
    gw = await startSdkHarness();
    const sim = gw.harness.sim.url;
    for (const env of [
      runpodWorkerEnv(sim, { endpointId: 'sdxl', apiKey: simulatorKey }),
      runpodWorkerEnv(sim, { endpointId: 'wan-video', apiKey: simulatorKey }),
      runpodWorkerEnv(sim, { image, apiKey: simulatorKey }),
    ]) {
      workers.push(await startWorker({ env, pollIntervalMs: 20, log: () => {} }));
    }
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill();
    await gw.close();
  });

  it('models and tiers in the SDK’s shapes', async () => {
    const { sdk } = await gw.newUser(5000);
    const models = await sdk.gpu.models();
    const sdxl = models.data.find((model) => model.slug === 'sdxl')!;
    expectFields(sdxl, modelFields);
    expect(sdxl).toMatchObject({ mode: 'sync', price: { perCall: 50 } });
    const tiers = await sdk.gpu.tiers();
    expectFields(tiers.data[0], tierFields);
  });

  it('run a sync model inline, an async one to a job that wait() follows; the list has both', async () => {
    const { sdk, user } = await gw.newUser(5000);
    const inline = await sdk.gpu.run('sdxl', { input: { prompt: 'a red cube', seed: 1 } });
    expectFields(inline, jobFields);
    expect(inline.status, JSON.stringify(inline)).toBe('succeeded');
    const image = inline as GpuJob;
    expect(image.costCredits).toBe(50);
    expect((await fetch(image.outputs[0]!)).headers.get('content-type')).toBe('image/png');

    const queued = await sdk.gpu.run('wan-video', { input: { prompt: 'waves', seconds: 1 } });
    expectFields(queued, queuedFields);
    const seen: string[] = [];
    const done = (await sdk.gpu.jobs.wait(queued.id, {
      pollInterval: 30,
      onProgress: (job) => seen.push(job.status),
    })) as GpuJob;
    expectFields(done, jobFields);
    expect(done.status).toBe('succeeded');
    expect(done.durationMs).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe('succeeded');
    const listed: string[] = [];
    for await (const job of sdk.gpu.jobs.list({ limit: 1 })) listed.push('id' in job ? job.id : job.job_id);
    expect(listed).toEqual([queued.id, inline.id]);
    await gw.harness.balancedBalance(user.id);
    await expect(sdk.gpu.run('no-such-model', { input: {} })).rejects.toBeInstanceOf(BadRequestError);
    await expect(sdk.gpu.run('sdxl', { input: {} })).rejects.toMatchObject({
      status: 400,
      param: 'input.prompt',
    });
  });

  it('a GPU run whose answer is lost is retried with the same Idempotency-Key: one job', async () => {
    const { key, sdk } = await gw.newUser(5000);
    const proxy = await startFlakyProxy(gw.url, ['lose-response']);
    try {
      const flaky = new Hypereal({ apiKey: key, baseURL: proxy.url });
      const queued = await flaky.gpu.run('wan-video', { input: { prompt: 'once', seconds: 1 } });
      expect(proxy.connections).toBe(2);
      const jobs = await sdk.gpu.jobs.list();
      expect(jobs.data.map((job) => ('id' in job ? job.id : job.job_id))).toEqual([queued.id]);
      await sdk.gpu.jobs.wait(queued.id, { pollInterval: 30 });
    } finally {
      await proxy.close();
    }
  });

  it('deployments: create, list, get, update, run a job on the worker, cancel, delete', async () => {
    const { sdk, user } = await gw.newUser(5000);
    const created = await sdk.deployments.create({
      slug: 'sdk-render',
      name: 'SDK render',
      dockerImage: image,
      gpuTypes: ['ADA_24'],
      env: { MODE: 'render' },
    });
    expectFields(created, deploymentFields);
    expect(created).toMatchObject({ slug: 'sdk-render', envKeys: ['MODE'], gpuTypes: 'ADA_24' });
    expect((await sdk.deployments.list()).data.map((deployment) => deployment.slug)).toEqual(['sdk-render']);
    expectFields(await sdk.deployments.get('sdk-render'), deploymentFields);
    await expect(
      sdk.deployments.create(
        { slug: 'sdk-render', dockerImage: image, gpuTypes: 'ADA_24' },
        { maxRetries: 0 },
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    const updated = await sdk.deployments.update('sdk-render', { maxWorkers: 2 });
    expect(updated.maxWorkers).toBe(2);

    const job = await sdk.deployments.run('sdk-render', { input: { prompt: 'a teapot' } });
    expectFields(job, deploymentJobFields);
    const done = (await sdk.gpu.jobs.wait(job.job_id, { pollInterval: 30 })) as DeploymentJob;
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.output?.images).toHaveLength(1);
    const listed = await sdk.gpu.jobs.list({ deployment: 'sdk-render' });
    expect(listed.data).toHaveLength(1);

    expect(await sdk.deployments.delete('sdk-render')).toMatchObject({ slug: 'sdk-render', deleted: true });
    await expect(sdk.deployments.get('sdk-render')).rejects.toBeInstanceOf(NotFoundError);
    await gw.harness.balancedBalance(user.id);
  });

  it('cancel a queued GPU job', async () => {
    const { sdk, user } = await gw.newUser(5000);
    const queued = await sdk.gpu.run('wan-video', { input: { prompt: 'long', seconds: 30 } });
    const canceled = await sdk.gpu.jobs.cancel(queued.id);
    expect(canceled.status).toBe('canceled');
    await expect.poll(async () => (await sdk.gpu.jobs.get(queued.id)).status).toBe('canceled');
    await expect
      .poll(() =>
        gw.harness.db
          .get<{ held_micro: number }>('SELECT held_micro FROM users WHERE id = ?', [user.id])
          .then((row) => Number(row?.held_micro)),
      )
      .toBe(0);
    await gw.harness.balancedBalance(user.id);
  });
});
