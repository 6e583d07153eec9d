import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodePng, type RunningWorker, startWorker } from '@hypereal/gpu-worker';
import { readPngInfo, runpodWorkerEnv } from '@hypereal/upstream-sim';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../src/billing/index.ts';
import { createWorkerToken } from '../../src/gpu/self-hosted/index.ts';
import { engines } from '../helpers/databases.ts';
import {
  apngFrames,
  gpuSimOptions,
  noteBilling,
  pingIntervalMs,
  selfHostedConfig,
  simWorker,
  until,
} from '../helpers/gpu.ts';
import { type Harness, simulatorKey, startHarness, type TestUser } from '../helpers/harness.ts';

interface GpuModel {
  slug: string;
  object: string;
  name: string;
  mode: string;
  price: { perCall?: number; perSecond?: number };
  maxSeconds: number;
  inputSchema: { properties: Record<string, unknown> };
}

interface ServerlessJob {
  id: string;
  object: string;
  model: string;
  status: string;
  progress: number | null;
  outputs: string[];
  costCredits: number | null;
  durationMs: number | null;
  pollUrl: string;
  error: { code: string; message: string } | null;
}

/** Micro-credits of `ms` of execution at `creditsPerSecond`, rounded up (what the gateway charges). */
const perSecondMicro = (ms: number, creditsPerSecond: number) =>
  Math.ceil((ms * creditsToMicro(creditsPerSecond)) / 1000);

/** The jobs RunPod (the simulator) holds, oldest first. */
const simJobs = (harness: Harness) => [...harness.sim.runpod.jobs.jobs.values()];
const promptOf = (input: unknown) => (input as { prompt?: string } | undefined)?.prompt;

const workers: RunningWorker[] = [];
const stopWorkers = async () => {
  for (const worker of workers.splice(0)) worker.kill();
};

function client(harness: Harness, user: TestUser) {
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const job = async (id: string) => (await (await call('GET', `/gpu/jobs/${id}`)).json()) as ServerlessJob;
  /** Polls GET /v1/gpu/jobs/{id} (each GET live-polls the backend) and records the statuses seen. */
  const settle = async (id: string, seen: string[] = [], progress: number[] = []) => {
    let current = await job(id);
    await until(async () => {
      current = await job(id);
      if (seen.at(-1) !== current.status) seen.push(current.status);
      if (current.progress !== null && progress.at(-1) !== current.progress) progress.push(current.progress);
      return current.status !== 'queued' && current.status !== 'running';
    }, `job ${id} to end`);
    return current;
  };
  return { call, job, settle };
}

describe.each(engines)(
  'GPU serverless models on RunPod (simulator) with the shipped worker (%s)',
  (engine) => {
    let harness: Harness;
    let user: TestUser;
    let api: ReturnType<typeof client>;
    let receiver: Server;
    let hookUrl: string;
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];

    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        request.on('end', () => {
          received.push({ headers: request.headers, body });
          response.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gpu-hooks`;
      harness = await startHarness({
        engine,
        config: {
          network: { allowPrivate: ['127.0.0.1'] },
          jobs: { tickMs: 20, maxPollIntervalMs: 50, webhookRetryBaseMs: 50 },
          gpu: { serverlessWaitMs: 10_000 },
        },
        sim: gpuSimOptions,
      });
      // wan-video holds 600 s × 2 credits while it runs.
      user = await harness.newUser(5000);
      api = client(harness, user);
    });
    afterEach(stopWorkers);
    afterAll(async () => {
      await stopWorkers();
      await harness.close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    });

    it('lists the catalogue with prices, limits, mode and input schema, and the GPU tiers', async () => {
      const models = (await (await api.call('GET', '/gpu/models')).json()) as {
        object: string;
        data: GpuModel[];
      };
      expect(models.object).toBe('list');
      const bySlug = new Map(models.data.map((model) => [model.slug, model]));
      expect(bySlug.get('sdxl')).toMatchObject({
        object: 'gpu.model',
        name: 'Stable Diffusion XL',
        mode: 'sync',
        price: { perCall: 50 },
        maxSeconds: 120,
        modalities: ['text-to-image'],
      });
      expect(bySlug.get('wan-video')).toMatchObject({
        mode: 'async',
        price: { perSecond: 2 },
        maxSeconds: 600,
      });
      expect(Object.keys(bySlug.get('sdxl')?.inputSchema.properties ?? {})).toContain('prompt');

      const tiers = (await (
        await fetch(`${harness.gateway.url}/api/v1/gpu/tiers`, {
          headers: { authorization: `Bearer ${user.key}` },
        })
      ).json()) as { data: { id: string; memoryGb: number; pricePerSecondCredits: number }[] };
      expect(tiers.data.find((tier) => tier.id === 'ADA_48_PRO')).toMatchObject({
        memoryGb: 48,
        pricePerSecondCredits: 0.06625,
      });
    });

    it('refuses a bad input with a 400 naming the field, before holding anything', async () => {
      const before = await harness.balancedBalance(user.user.id);
      const cases: [string, unknown, string][] = [
        ['/gpu/sdxl', { input: {} }, 'input.prompt'],
        ['/gpu/sdxl', { input: { prompt: 'x', width: 100_000 } }, 'input.width'],
        ['/gpu/sdxl', { input: { prompt: 'x', colour: 'red' } }, 'input.colour'],
        ['/gpu/wan-video', { input: { prompt: 'x', seconds: -1 } }, 'input.seconds'],
        ['/gpu/sdxl', { prompt: 'x' }, 'input'],
      ];
      for (const [path, body, param] of cases) {
        const response = await api.call('POST', path, body);
        expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
      }
      const unknown = await api.call('POST', '/gpu/no-such-model', { input: { prompt: 'x' } });
      expect(unknown.status).toBe(400);
      expect(
        ((await unknown.json()) as { error: { available_models: string[] } }).error.available_models,
      ).toContain('sdxl');
      expect((await api.call('POST', '/gpu/gpt-image-2', { input: { prompt: 'x' } })).status).toBe(400);
      expect(await harness.balancedBalance(user.user.id)).toBe(before);
      expect(simJobs(harness).length).toBe(0);
    });

    it('sdxl answers inline with the stored PNG and costs exactly its 50 credits per call', async () => {
      workers.push(await simWorker(harness, { endpointId: 'sdxl' }));
      const before = await harness.balancedBalance(user.user.id);
      const response = await api.call('POST', '/gpu/sdxl', {
        input: { prompt: 'a tabby cat astronaut', seed: 7 },
      });
      expect(response.status).toBe(200);
      const job = (await response.json()) as ServerlessJob;
      expect(job).toMatchObject({
        object: 'gpu.job',
        model: 'sdxl',
        status: 'succeeded',
        costCredits: 50,
        error: null,
      });
      expect(job.durationMs).toBeGreaterThan(0);
      expect(job.outputs).toHaveLength(1);
      const png = Buffer.from(await (await fetch(job.outputs[0] ?? '')).arrayBuffer());
      expect(readPngInfo(png).width).toBeGreaterThan(0);
      // The job ran at RunPod's sdxl endpoint, with the gateway's execution policy.
      const atSim = simJobs(harness).find((entry) => promptOf(entry.input) === 'a tabby cat astronaut');
      expect(atSim).toMatchObject({
        endpointId: 'sdxl',
        status: 'COMPLETED',
        policy: { executionTimeoutMs: 120_000 },
      });
      expect(await harness.balancedBalance(user.user.id)).toBe(before - creditsToMicro(50));
      noteBilling(`runpod sdxl sync: held 50, charged ${job.costCredits} credits (${job.durationMs} ms)`);
      // Same key, same job: no second run, no second charge.
      const again = await api.call(
        'POST',
        '/gpu/sdxl',
        { input: { prompt: 'other' } },
        { 'idempotency-key': 'k1' },
      );
      const first = (await again.json()) as ServerlessJob;
      const replay = (await (
        await api.call('POST', '/gpu/sdxl', { input: { prompt: 'other' } }, { 'idempotency-key': 'k1' })
      ).json()) as ServerlessJob;
      expect(replay.id).toBe(first.id);
      expect(await harness.balancedBalance(user.user.id)).toBe(before - creditsToMicro(100));
    });

    it('a sync model that outlives the inline wait answers 202 with a poll URL, then finishes', async () => {
      const quick = await startHarness({
        config: { jobs: { tickMs: 20, maxPollIntervalMs: 50 }, gpu: { serverlessWaitMs: 200 } },
        sim: gpuSimOptions,
      });
      try {
        const someone = await quick.newUser(200);
        const theirs = client(quick, someone);
        const response = await theirs.call('POST', '/gpu/sdxl', { input: { prompt: 'no worker yet' } });
        expect(response.status).toBe(202);
        const queued = (await response.json()) as ServerlessJob;
        expect(queued).toMatchObject({ status: 'queued', pollUrl: `/v1/gpu/jobs/${queued.id}` });
        expect((await theirs.job(queued.id)).status).toBe('queued');
        workers.push(await simWorker(quick, { endpointId: 'sdxl' }));
        const done = await theirs.settle(queued.id);
        expect(done).toMatchObject({ status: 'succeeded', costCredits: 50 });
        expect(await quick.balancedBalance(someone.user.id)).toBe(creditsToMicro(150));
      } finally {
        await stopWorkers();
        await quick.close();
      }
    });

    it('wan-video runs async (queued → running → succeeded) and settles to the measured seconds × 2 credits', async () => {
      workers.push(await simWorker(harness, { endpointId: 'wan-video' }));
      const before = await harness.balancedBalance(user.user.id);
      const response = await api.call('POST', '/gpu/wan-video', {
        input: { prompt: 'drone over Tokyo, neon, rain', seconds: 3, fps: 10 },
      });
      expect(response.status).toBe(202);
      const queued = (await response.json()) as ServerlessJob;
      expect(queued).toMatchObject({ status: 'queued', pollUrl: `/v1/gpu/jobs/${queued.id}` });
      // While it runs, the whole hold (600 s × 2 credits) is reserved.
      const seen: string[] = ['queued'];
      const progress: number[] = [];
      const done = await api.settle(queued.id, seen, progress);
      expect(seen).toEqual(['queued', 'running', 'succeeded']);
      // The worker reports frames as it renders them: the job's progress climbs, then 100.
      expect(progress.length).toBeGreaterThan(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(100);
      const atSim = simJobs(harness).find((job) => promptOf(job.input) === 'drone over Tokyo, neon, rain');
      expect(done.durationMs).toBe(atSim?.executionTime);
      expect(done.durationMs).toBeGreaterThan(30 * 20 - 1);
      const charged = perSecondMicro(done.durationMs ?? 0, 2);
      expect(done.costCredits).toBe(charged / 1_000_000);
      const clip = Buffer.from(await (await fetch(done.outputs[0] ?? '')).arrayBuffer());
      expect(apngFrames(clip)).toBe(30);
      expect(await harness.balancedBalance(user.user.id)).toBe(before - charged);
      noteBilling(
        `runpod wan-video async: held 1200, executionMs ${done.durationMs} → charged ${done.costCredits} credits (2/s)`,
      );
    });

    it('a worker that dies mid-job: the job goes back to the queue, another worker finishes it, billed once', async () => {
      const doomed = await simWorker(harness, { endpointId: 'wan-video' });
      const before = await harness.balancedBalance(user.user.id);
      const queued = (await (
        await api.call('POST', '/gpu/wan-video', { input: { prompt: 'crash me', seconds: 4, fps: 10 } })
      ).json()) as ServerlessJob;
      await until(async () => (await api.job(queued.id)).status === 'running', 'the job to run');
      doomed.kill();
      // Dead after 3 silent ping intervals: the sim requeues the job; a fresh worker takes it.
      await new Promise((resolve) => setTimeout(resolve, pingIntervalMs * 4));
      workers.push(await simWorker(harness, { endpointId: 'wan-video' }));
      const done = await api.settle(queued.id);
      expect(done.status).toBe('succeeded');
      // RunPod ran it twice (requeued once) and measured the second run: that is what is billed.
      const atSim = simJobs(harness).find((job) => promptOf(job.input) === 'crash me');
      expect(atSim).toMatchObject({ status: 'COMPLETED', requeued: true });
      expect(done.durationMs).toBe(atSim?.executionTime);
      const charged = perSecondMicro(done.durationMs ?? 0, 2);
      expect(await harness.balancedBalance(user.user.id)).toBe(before - charged);
      noteBilling(
        `runpod wan-video after a worker crash: requeued once, charged ${done.costCredits} credits once`,
      );

      // A job whose second worker dies too is failed by RunPod, and refunded.
      const twice = (await (
        await api.call('POST', '/gpu/wan-video', { input: { prompt: 'crash me twice', seconds: 4, fps: 10 } })
      ).json()) as ServerlessJob;
      for (let crash = 0; crash < 2; crash++) {
        await until(async () => (await api.job(twice.id)).status === 'running', `run ${crash + 1}`);
        for (const worker of workers.splice(0)) worker.kill();
        await new Promise((resolve) => setTimeout(resolve, pingIntervalMs * 4));
        workers.push(await simWorker(harness, { endpointId: 'wan-video' }));
      }
      const failed = await api.settle(twice.id);
      expect(failed).toMatchObject({ status: 'failed', costCredits: 0, error: { code: 'gpu_job_failed' } });
      expect(await harness.balancedBalance(user.user.id)).toBe(before - charged);
      noteBilling('runpod wan-video, two worker crashes: failed, hold of 1200 refunded, charged 0');
    }, 30_000);

    it('cancel refunds the hold and stops the worker’s job at RunPod', async () => {
      workers.push(await simWorker(harness, { endpointId: 'wan-video' }));
      const before = await harness.balancedBalance(user.user.id);
      const queued = (await (
        await api.call('POST', '/gpu/wan-video', { input: { prompt: 'cancel me', seconds: 20, fps: 10 } })
      ).json()) as ServerlessJob;
      await until(async () => (await api.job(queued.id)).status === 'running', 'the job to run');
      const canceled = (await (
        await api.call('POST', `/gpu/jobs/${queued.id}/cancel`)
      ).json()) as ServerlessJob;
      expect(canceled).toMatchObject({ status: 'canceled', costCredits: 0 });
      noteBilling('runpod wan-video canceled while running: charged 0, hold refunded');
      await until(
        () =>
          simJobs(harness).some((job) => promptOf(job.input) === 'cancel me' && job.status === 'CANCELLED'),
        'RunPod to cancel the job',
      );
      expect(await harness.balancedBalance(user.user.id)).toBe(before);
    });

    it('copies an output the worker returns as a URL (worker-comfyui’s s3_url) through the SSRF guard', async () => {
      const png = encodePng({ width: 2, height: 2, pixels: Buffer.alloc(16, 200) });
      const files = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      });
      await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/bucket/out.png`;
      try {
        workers.push(
          await startWorker({
            env: runpodWorkerEnv(harness.sim.url, {
              endpointId: 'sdxl',
              apiKey: simulatorKey,
              pingIntervalMs,
            }),
            // worker-comfyui with BUCKET_ENDPOINT_URL set: presigned URLs instead of base64.
            handler: async (job) => ({
              images: [
                {
                  filename: 'out.png',
                  type: 's3_url',
                  data:
                    (job.input as { prompt?: string }).prompt === 'private'
                      ? 'http://10.255.255.1/x.png'
                      : url,
                },
              ],
            }),
            pollIntervalMs: 50,
            log: () => undefined,
          }),
        );
        const before = await harness.balancedBalance(user.user.id);
        const copied = (await (
          await api.call('POST', '/gpu/sdxl', { input: { prompt: 'bucket' } })
        ).json()) as ServerlessJob;
        expect(copied.status).toBe('succeeded');
        expect(copied.outputs[0]).not.toContain('/bucket/');
        expect(Buffer.from(await (await fetch(copied.outputs[0] ?? '')).arrayBuffer()).equals(png)).toBe(
          true,
        );
        // A URL into a private network the operator did not allow is refused: the job fails, refunded.
        const refused = (await (
          await api.call('POST', '/gpu/sdxl', { input: { prompt: 'private' } })
        ).json()) as ServerlessJob;
        expect(refused).toMatchObject({ status: 'failed', costCredits: 0, error: { code: 'bad_output' } });
        expect(await harness.balancedBalance(user.user.id)).toBe(before - creditsToMicro(50));
      } finally {
        files.closeAllConnections();
        await new Promise((resolve) => files.close(resolve));
      }
    });

    it('a job RunPod no longer knows (TTL, retention) fails as expired at the provider and is refunded', async () => {
      const before = await harness.balancedBalance(user.user.id);
      const queued = (await (
        await api.call('POST', '/gpu/wan-video', { input: { prompt: 'forgotten', seconds: 1 } })
      ).json()) as ServerlessJob;
      const atSim = simJobs(harness).find((job) => promptOf(job.input) === 'forgotten');
      if (!atSim) throw new Error('the job never reached RunPod');
      harness.sim.runpod.jobs.delete(atSim);
      const done = await api.settle(queued.id);
      expect(done).toMatchObject({ status: 'failed', costCredits: 0, error: { code: 'expired' } });
      expect(done.error?.message).toContain('expired at the provider');
      expect(await harness.balancedBalance(user.user.id)).toBe(before);
    });

    it('a job’s webhookUrl gets the signed completion event; another user’s job is a 404', async () => {
      workers.push(await simWorker(harness, { endpointId: 'sdxl' }));
      const secret = ((await (await api.call('POST', '/webhooks/secret')).json()) as { secret: string })
        .secret;
      received.length = 0;
      const job = (await (
        await api.call('POST', '/gpu/sdxl', { input: { prompt: 'hook me' }, webhookUrl: hookUrl })
      ).json()) as ServerlessJob;
      expect(job.status).toBe('succeeded');
      await until(() => received.length > 0, 'the webhook');
      const [message] = received;
      const event = new Webhook(secret).verify(message?.body ?? '', {
        'webhook-id': String(message?.headers['webhook-id']),
        'webhook-timestamp': String(message?.headers['webhook-timestamp']),
        'webhook-signature': String(message?.headers['webhook-signature']),
      }) as { type: string; data: { id: string; kind: string; status: string; costCredits: number } };
      expect(event).toMatchObject({
        type: 'job.succeeded',
        data: { id: job.id, kind: 'gpu', status: 'succeeded', costCredits: 50 },
      });
      const other = await harness.newUser(100);
      const theirs = client(harness, other);
      expect((await theirs.call('GET', `/gpu/jobs/${job.id}`)).status).toBe(404);
      expect((await theirs.call('POST', `/gpu/jobs/${job.id}/cancel`)).status).toBe(404);
      const list = (await (await theirs.call('GET', '/gpu/jobs')).json()) as { data: unknown[] };
      expect(list.data).toHaveLength(0);
      const mine = (await (await api.call('GET', '/gpu/jobs?limit=100')).json()) as { data: ServerlessJob[] };
      expect(mine.data.map((entry) => entry.id)).toContain(job.id);
    });
  },
);

describe('GPU serverless timeouts', () => {
  let harness: Harness;
  const workersHere: RunningWorker[] = [];

  beforeAll(async () => {
    harness = await startHarness({
      // wan-video capped at 1 s: a 6 s clip outlives RunPod's execution timeout.
      config: { jobs: { tickMs: 20, maxPollIntervalMs: 50 }, models: { 'wan-video': { maxSeconds: 1 } } },
      sim: gpuSimOptions,
    });
  });
  afterAll(async () => {
    for (const worker of workersHere) worker.kill();
    await harness.close();
  });

  it('a job that outlives maxSeconds at RunPod fails as a timeout and its hold is refunded', async () => {
    workersHere.push(await simWorker(harness, { endpointId: 'wan-video' }));
    const user = await harness.newUser(100);
    const api = client(harness, user);
    const queued = (await (
      await api.call('POST', '/gpu/wan-video', { input: { prompt: 'too long', seconds: 6, fps: 10 } })
    ).json()) as ServerlessJob;
    const done = await api.settle(queued.id);
    expect(done).toMatchObject({ status: 'failed', costCredits: 0, error: { code: 'timeout' } });
    expect(simJobs(harness)[0]?.status).toBe('TIMED_OUT');
    expect(await harness.balancedBalance(user.user.id)).toBe(creditsToMicro(100));
    noteBilling('runpod wan-video timed out (maxSeconds 1): charged 0, hold refunded');
  });
});

describe('GPU serverless models on the self-hosted pool (workers registered with the gateway)', () => {
  let harness: Harness;
  let user: TestUser;
  let api: ReturnType<typeof client>;
  let token: string;
  const pool: RunningWorker[] = [];
  const register = async () => {
    const worker = await startWorker({
      gateway: { url: harness.gateway.url, token, serve: ['sdxl', 'wan-video'], name: `box-${pool.length}` },
      handler: 'auto',
      pollIntervalMs: 50,
      shutdownGraceMs: 2_000,
      log: () => undefined,
    });
    pool.push(worker);
    return worker;
  };

  beforeAll(async () => {
    harness = await startHarness({
      config: {
        jobs: { tickMs: 20, maxPollIntervalMs: 50 },
        // Only the pool: nothing reaches RunPod.
        models: {
          sdxl: { routes: ['workers/sdxl'] },
          'wan-video': { routes: ['workers/wan-video'] },
          // RunPod first, the pool as the fallback.
          'sdxl-failover': {
            kind: 'gpu',
            mode: 'sync',
            routes: ['runpod/sdxl', 'workers/sdxl'],
            price: { perCall: 50 },
            maxSeconds: 120,
          },
        },
        ...selfHostedConfig,
      },
      sim: gpuSimOptions,
    });
    token = (await createWorkerToken(harness.db, 'test box')).secret;
    user = await harness.newUser(5000);
    api = client(harness, user);
  });
  afterAll(async () => {
    for (const worker of pool.splice(0)) worker.kill();
    await harness.close();
  });

  it('sdxl inline (50 credits) and wan-video settled to the gateway-measured seconds', async () => {
    await register();
    const before = await harness.balancedBalance(user.user.id);
    const sdxl = (await (
      await api.call('POST', '/gpu/sdxl', { input: { prompt: 'pool cat' } })
    ).json()) as ServerlessJob;
    expect(sdxl).toMatchObject({ status: 'succeeded', costCredits: 50 });
    expect(
      readPngInfo(Buffer.from(await (await fetch(sdxl.outputs[0] ?? '')).arrayBuffer())).width,
    ).toBeGreaterThan(0);
    const queued = (await (
      await api.call('POST', '/gpu/wan-video', { input: { prompt: 'pool clip', seconds: 2, fps: 10 } })
    ).json()) as ServerlessJob;
    const seen: string[] = ['queued'];
    const done = await api.settle(queued.id, seen);
    expect(seen).toEqual(['queued', 'running', 'succeeded']);
    expect(done.durationMs).toBeGreaterThan(20 * 20 - 1);
    const charged = perSecondMicro(done.durationMs ?? 0, 2);
    expect(done.costCredits).toBe(charged / 1_000_000);
    expect(await harness.balancedBalance(user.user.id)).toBe(before - creditsToMicro(50) - charged);
    expect(harness.sim.runpod.jobs.jobs.size).toBe(0);
    noteBilling(
      `workers sdxl sync: charged ${sdxl.costCredits}; workers wan-video: executionMs ${done.durationMs} → ${done.costCredits} credits`,
    );
  });

  it('fails over from a failing RunPod to the pool', async () => {
    await register();
    harness.sim.addFault({ match: { path: '/v2/sdxl/run' }, status: 503, times: 10 });
    const before = await harness.balancedBalance(user.user.id);
    const job = (await (
      await api.call('POST', '/gpu/sdxl-failover', { input: { prompt: 'failover' } })
    ).json()) as ServerlessJob;
    expect(job).toMatchObject({ status: 'succeeded', costCredits: 50 });
    expect(harness.sim.requests.some((request) => request.path === '/v2/sdxl/run')).toBe(true);
    expect(harness.sim.runpod.jobs.jobs.size).toBe(0);
    expect(await harness.balancedBalance(user.user.id)).toBe(before - creditsToMicro(50));
    for (const worker of pool.splice(0)) worker.kill();
  });

  it('a pool worker that dies mid-job: requeued, finished by another, billed once; cancel refunds', async () => {
    const doomed = await register();
    const before = await harness.balancedBalance(user.user.id);
    const queued = (await (
      await api.call('POST', '/gpu/wan-video', { input: { prompt: 'pool crash', seconds: 4, fps: 10 } })
    ).json()) as ServerlessJob;
    await until(async () => (await api.job(queued.id)).status === 'running', 'the job to run');
    doomed.kill();
    for (const worker of pool.filter((entry) => entry !== doomed)) worker.kill();
    await register();
    const done = await api.settle(queued.id);
    expect(done.status).toBe('succeeded');
    const charged = perSecondMicro(done.durationMs ?? 0, 2);
    expect(await harness.balancedBalance(user.user.id)).toBe(before - charged);

    const long = (await (
      await api.call('POST', '/gpu/wan-video', { input: { prompt: 'pool cancel', seconds: 20, fps: 10 } })
    ).json()) as ServerlessJob;
    await until(async () => (await api.job(long.id)).status === 'running', 'the long job to run');
    const canceled = (await (await api.call('POST', `/gpu/jobs/${long.id}/cancel`)).json()) as ServerlessJob;
    expect(canceled).toMatchObject({ status: 'canceled', costCredits: 0 });
    expect(await harness.balancedBalance(user.user.id)).toBe(before - charged);
    noteBilling(`workers wan-video after a crash: charged ${done.costCredits} once; canceled job: charged 0`);
  }, 30_000);
});
