import { type RunningWorker, startWorker } from '@hypereal/gpu-worker';
import { comfyDefaultWorkflow, readPngInfo } from '@hypereal/upstream-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getTask, registerWorker, selfHostedBackend, takeTask } from '../../src/gpu/self-hosted/index.ts';
import { enqueueTask } from '../../src/gpu/self-hosted/tasks.ts';
import type { GpuBackend, GpuJobState, GpuJobStatus } from '../../src/providers/gpu/types.ts';
import { engines } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const adminToken = 'test-admin-token-0123456789';
/** Short, so a killed worker is declared dead (3 silent intervals) within a second. */
const pingIntervalMs = 250;
const comfyImage = 'runpod/worker-comfyui:5.5.0-base';
const never = new AbortController().signal;

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(engines)('self-hosted GPU workers (%s)', (engine) => {
  let harness: Harness;
  let backend: GpuBackend;
  let token: string;
  let tokenId: string;
  const workers: RunningWorker[] = [];

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${harness.gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const worker = async (
    options: { serve?: string[]; image?: string; name?: string; token?: string } = {},
  ) => {
    const started = await startWorker({
      gateway: {
        url: harness.gateway.url,
        token: options.token ?? token,
        serve: options.serve ?? ['sdxl', 'wan-video'],
        image: options.image,
        name: options.name,
      },
      comfyUiUrl: `${harness.sim.url}/comfyui`,
      pollIntervalMs: 20,
      shutdownGraceMs: 2_000,
    });
    workers.push(started);
    return started;
  };

  const settled = (
    endpoint: string,
    id: string,
    states: GpuJobState[] = ['succeeded', 'failed', 'canceled', 'timed_out'],
  ) =>
    until(async () => {
      const status = await backend.status(endpoint, id, never);
      return states.includes(status.state) ? status : undefined;
    });

  beforeAll(async () => {
    harness = await startHarness({
      engine,
      env: { HYPEREAL_ADMIN_TOKEN: adminToken },
      config: {
        gpuWorkers: { pingIntervalMs, stopLongPollMs: 300 },
      },
    });
    backend = selfHostedBackend(harness.db, { pingIntervalMs });
    const created = await admin('POST', '/admin/gpu-workers/tokens', { name: 'box1' });
    expect(created.status).toBe(201);
    token = created.body['token'] as string;
    tokenId = created.body['id'] as string;
  });
  afterEach(async () => {
    for (const running of workers.splice(0)) {
      running.kill();
      await running.finished;
    }
  });
  afterAll(() => harness.close());

  it('issues gwt_ tokens through the admin API, listed without their secret', async () => {
    expect(token).toMatch(/^gwt_[\w-]{32}$/);
    const listed = await admin('GET', '/admin/gpu-workers/tokens');
    expect(listed.status).toBe(200);
    const entry = (listed.body['data'] as Record<string, unknown>[]).find((row) => row['id'] === tokenId);
    expect(entry).toMatchObject({
      object: 'gpu.worker_token',
      name: 'box1',
      prefix: token.slice(0, 10),
      revokedAt: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(token);
  });

  it('runs an image job and a video job on a registered worker, with gateway-measured times', async () => {
    expect((await backend.health('sdxl', never)).state).toBe('scaled_to_zero');
    const box = await worker({ name: 'box-a' });
    expect(box.workerId).toMatch(/^gw_/);
    const health = await backend.health('sdxl', never);
    expect(health).toMatchObject({ endpointId: 'sdxl', state: 'ready', workers: { idle: 1, running: 0 } });

    const submitted = await backend.submit(
      'sdxl',
      {
        input: { prompt: 'a lighthouse', seed: 3, width: 64, height: 48, steps: 10 },
        executionTimeoutMs: 60_000,
      },
      never,
    );
    expect(submitted.state).toBe('queued');
    const done = await settled('sdxl', submitted.providerJobId);
    expect(done.state).toBe('succeeded');
    expect(done.executionMs).toBeGreaterThanOrEqual(45); // 10 steps × 5 ms
    expect(done.delayMs).toBeGreaterThanOrEqual(0);
    const image = (done.output as { images: { filename: string; type: string; data: string }[] }).images[0]!;
    expect(image).toMatchObject({ filename: `${submitted.providerJobId}.png`, type: 'base64' });
    expect(readPngInfo(Buffer.from(image.data, 'base64'))).toMatchObject({ width: 64, height: 48 });

    // No `seconds`: the worker knows the job came from a video endpoint.
    const video = await backend.submit(
      'wan-video',
      { input: { prompt: 'waves', fps: 10, width: 32, height: 32 }, executionTimeoutMs: 60_000 },
      never,
    );
    const running = await until(async () => {
      const status = await backend.status('wan-video', video.providerJobId, never);
      return status.state === 'running' ? status : undefined;
    });
    expect(running.executionMs).toBeGreaterThanOrEqual(0);
    expect((await backend.health('wan-video', never)).workers).toMatchObject({ running: 1, idle: 0 });
    const clip = await settled('wan-video', video.providerJobId);
    expect(clip.state).toBe('succeeded');
    const videoOut = (clip.output as { videos: { content_type: string; data: string; seconds: number }[] })
      .videos[0]!;
    expect(videoOut).toMatchObject({ content_type: 'image/apng', seconds: 2 });
    expect(clip.executionMs).toBeGreaterThanOrEqual(20 * 20 - 20);
    await until(() => box.completed === 2);
  });

  it('fails a job with a readable error when the handler fails', async () => {
    await worker();
    const job = await backend.submit('sdxl', { input: { seed: 1 }, executionTimeoutMs: 60_000 }, never);
    const failed = await settled('sdxl', job.providerJobId);
    expect(failed).toMatchObject({ state: 'failed', error: "HandlerInputError: Missing 'prompt' parameter" });
  });

  it('never hands one task to two workers', async () => {
    const [first, second] = [await worker({ name: 'w1' }), await worker({ name: 'w2' })];
    const jobs: GpuJobStatus[] = [];
    for (let index = 0; index < 12; index += 1) {
      jobs.push(
        await backend.submit(
          'sdxl',
          { input: { prompt: `job ${index}`, width: 16, height: 16, steps: 2 }, executionTimeoutMs: 60_000 },
          never,
        ),
      );
    }
    for (const job of jobs) expect((await settled('sdxl', job.providerJobId)).state).toBe('succeeded');
    const tasks = await Promise.all(jobs.map((job) => getTask(harness.db, job.providerJobId)));
    expect(tasks.map((task) => Number(task?.attempts))).toEqual(jobs.map(() => 1));
    await until(() => first.completed + second.completed === 12);

    // The claim itself, raced: 20 queued tasks, 20 concurrent takes by two registered workers
    // (registered directly, so no heartbeat of theirs gives anything back meanwhile).
    const racers = await Promise.all(
      ['r1', 'r2'].map((name) =>
        registerWorker(harness.db, { tokenId, name, image: null, serves: ['race-only'] }),
      ),
    );
    const queued = await Promise.all(
      Array.from({ length: 20 }, () =>
        enqueueTask(harness.db, { endpointId: 'race-only', input: {}, executionTimeoutMs: 60_000 }),
      ),
    );
    const taken = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        takeTask(harness.db, racers[index % 2]!.worker.id, ['race-only']),
      ),
    );
    const ids = taken.map((task) => task?.id).filter((id): id is string => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
    const after = await Promise.all(queued.map((task) => getTask(harness.db, task.id)));
    // Every task is either still queued or running on exactly the worker whose take returned it.
    const holders = new Map(
      taken.filter((task) => task !== undefined).map((task) => [task.id, task.worker_id]),
    );
    for (const task of after) {
      if (task?.state === 'queued') expect(holders.has(task.id)).toBe(false);
      else expect(task && holders.get(task.id)).toBe(task?.worker_id);
    }
    expect(after.filter((task) => task?.state === 'queued').length).toBe(20 - ids.length);
  });

  it('requeues the task of a worker that died mid-job once, and the other worker finishes it', async () => {
    const doomed = await worker({ serve: ['slow-video'], name: 'doomed' });
    const job = await backend.submit(
      'slow-video',
      { input: { prompt: 'long', seconds: 3, fps: 10, width: 16, height: 16 }, executionTimeoutMs: 60_000 },
      never,
    );
    await until(() => doomed.currentJobId === job.providerJobId);
    doomed.kill(); // no result, no more heartbeats
    const rescuer = await worker({ serve: ['slow-video'], name: 'rescuer' });
    const done = await settled('slow-video', job.providerJobId);
    expect(done.state).toBe('succeeded');
    const task = await getTask(harness.db, job.providerJobId);
    expect(task).toMatchObject({ worker_id: rescuer.workerId });
    expect(Number(task?.attempts)).toBe(2);
    expect(Number(task?.requeues)).toBe(1);
    // Measured from the rescuer's take, not the first one.
    expect(done.executionMs).toBeLessThan(Number(task?.finished_at) - Number(task?.created_at));
  });

  it('fails a job whose worker is lost twice (worker_lost)', async () => {
    const job = await backend.submit(
      'fragile',
      { input: { prompt: 'x', seconds: 5, fps: 10, width: 16, height: 16 }, executionTimeoutMs: 60_000 },
      never,
    );
    for (let round = 0; round < 2; round += 1) {
      const box = await worker({ serve: ['fragile'] });
      await until(() => box.currentJobId === job.providerJobId);
      box.kill();
    }
    const failed = await settled('fragile', job.providerJobId);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/^worker_lost/);
  });

  it('cancels a running job through the stop channel; the worker drops it and takes the next', async () => {
    const box = await worker({ serve: ['cancel-me'] });
    const job = await backend.submit(
      'cancel-me',
      { input: { prompt: 'x', seconds: 10, fps: 10, width: 16, height: 16 }, executionTimeoutMs: 60_000 },
      never,
    );
    await until(() => box.currentJobId === job.providerJobId);
    await backend.cancel('cancel-me', job.providerJobId, never);
    expect((await backend.status('cancel-me', job.providerJobId, never)).state).toBe('canceled');
    await until(() => box.currentJobId === undefined);
    const next = await backend.submit(
      'cancel-me',
      { input: { prompt: 'after', seconds: 1, fps: 2 }, executionTimeoutMs: 60_000 },
      never,
    );
    expect((await settled('cancel-me', next.providerJobId)).state).toBe('succeeded');
    expect((await backend.status('cancel-me', job.providerJobId, never)).state).toBe('canceled');
    await expect(backend.status('cancel-me', 'gtask_unknown', never)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('provisions a deployment by image: scaled to zero until a worker serving the image registers, then runs ComfyUI workflows', async () => {
    const spec = {
      name: 'my comfy',
      dockerImage: comfyImage,
      gpuTypes: ['ADA_24'],
      minWorkers: 0,
      maxWorkers: 1,
      idleTimeoutSeconds: 5,
      executionTimeoutMs: 60_000,
      env: {},
    };
    const provisioned = await backend.provision(spec, never);
    expect(provisioned).toMatchObject({ endpointId: `image:${comfyImage}`, state: 'scaled_to_zero' });
    await worker({ serve: [], image: comfyImage });
    expect((await backend.update(provisioned.endpointId, spec, never)).state).toBe('ready');
    const workflow = comfyDefaultWorkflow({
      seed: 5,
      steps: 2,
      width: 40,
      height: 24,
      text: 'overridden text',
      negative: '',
      filenamePrefix: 'dep',
    });

    const job = await backend.submit(
      provisioned.endpointId,
      { input: { workflow }, executionTimeoutMs: 60_000 },
      never,
    );
    const done = await settled(provisioned.endpointId, job.providerJobId);
    expect(done.state).toBe('succeeded');
    const png = Buffer.from((done.output as { images: { data: string }[] }).images[0]!.data, 'base64');
    expect(readPngInfo(png)).toMatchObject({ width: 40, height: 24 });
    expect(png.toString('latin1')).toContain('"positive":"overridden text"');

    const missing = await backend.submit(
      provisioned.endpointId,
      { input: { prompt: 'no workflow' }, executionTimeoutMs: 60_000 },
      never,
    );
    // Not a workflow input, so `auto` renders it; a comfy-only deployment would use --handler comfyui.
    expect((await settled(provisioned.endpointId, missing.providerJobId)).state).toBe('succeeded');
    await backend.remove(provisioned.endpointId, never);
  });

  it('refuses bad and revoked tokens (401), and a revoked token ends its workers’ sessions', async () => {
    await expect(worker({ token: 'gwt_not-a-real-token' })).rejects.toThrow(/HTTP 401/);
    const spare = await admin('POST', '/admin/gpu-workers/tokens', { name: 'spare' });
    const box = await worker({ token: spare.body['token'] as string, serve: ['revoked-ep'] });
    const registered = await fetch(
      `${harness.gateway.url}/v1/gpu-workers/${box.workerId}/job-take/${box.workerId}`,
      {
        headers: { authorization: 'wrong-secret' },
      },
    );
    expect(registered.status).toBe(401);
    expect((await admin('DELETE', `/admin/gpu-workers/tokens/${spare.body['id'] as string}`)).body).toEqual({
      id: spare.body['id'],
      revoked: true,
    });
    await expect(worker({ token: spare.body['token'] as string })).rejects.toThrow(/HTTP 401/);
    // The revoked token's worker can no longer take jobs: nothing it could take runs.
    const job = await backend.submit(
      'revoked-ep',
      { input: { prompt: 'x' }, executionTimeoutMs: 60_000 },
      never,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const row = await getTask(harness.db, job.providerJobId);
    expect(row?.state, JSON.stringify({ row, box: box.workerId })).toBe('queued');
    expect((await admin('DELETE', `/admin/gpu-workers/tokens/${spare.body['id'] as string}`)).status).toBe(
      404,
    );
  });

  it('keeps worker routes outside user auth: no API key needed, and a user key is not a worker credential', async () => {
    const user = await harness.newUser(0);
    const response = await fetch(`${harness.gateway.url}/v1/gpu-workers/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ serve: ['sdxl'] }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain('gwt_');
    expect(await harness.balancedBalance(user.user.id)).toBe(0);
  });
});
