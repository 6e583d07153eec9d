import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningWorker, startWorker } from '@hypereal/gpu-worker';
import { comfyDefaultWorkflow, readPngInfo } from '@hypereal/upstream-sim';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { createWorkerToken } from '../../src/gpu/self-hosted/index.ts';
import { addMember, createOrg } from '../../src/orgs/index.ts';
import { engines } from '../helpers/databases.ts';
import { gpuSimOptions, noteBilling, pngText, selfHostedConfig, simWorker, until } from '../helpers/gpu.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

const comfyImage = 'runpod/worker-comfyui:5.5.0-base';

const workflow = comfyDefaultWorkflow({ seed: 1, text: 'a lighthouse', filenamePrefix: 'out' });

interface Deployment {
  id: string;
  object: string;
  slug: string;
  name: string;
  gpuTypes: string;
  minWorkers: number;
  maxWorkers: number;
  idleTimeoutSeconds: number;
  maxSeconds: number;
  envKeys: string[];
  backend: string;
  endpointId: string;
  state: string;
  workers: { idle: number; running: number; initializing: number };
  pricePerSecondCredits: number;
  workflow: unknown;
}

interface DeploymentJob {
  job_id: string;
  object: string;
  deployment: string;
  status: string;
  provider_job_id: string;
  output: { images: string[] } | null;
  executionMs: number | null;
  creditsCharged: number | null;
  error: { code: string } | null;
}

/** ADA_48_PRO (0.06625) and AMPERE_80 (0.095 credits/s): a deployment is billed at its dearest tier. */
const rateCredits = 0.095;
const chargeMicro = (ms: number) => Math.ceil((ms * creditsToMicro(rateCredits)) / 1000);

describe.each(engines)(
  'GPU deployments: ComfyUI on RunPod (simulator) with the shipped worker (%s)',
  (engine) => {
    let harness: Harness;
    let user: TestUser;
    let receiver: Server;
    let hookUrl: string;
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const workers: RunningWorker[] = [];

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
      hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/deploy-hooks`;
      harness = await startHarness({
        engine,
        config: {
          network: { allowPrivate: ['127.0.0.1'] },
          jobs: { tickMs: 20, maxPollIntervalMs: 50, webhookRetryBaseMs: 50 },
          gpu: { syncWaitMs: 2_000 },
        },
        sim: gpuSimOptions,
      });
      user = await harness.newUser(1000);
    });
    afterEach(() => {
      for (const worker of workers.splice(0)) worker.kill();
    });
    afterAll(async () => {
      await harness.close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    });

    const as =
      (who: TestUser) =>
      (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
        fetch(`${harness.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${who.key}`, 'content-type': 'application/json', ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      as(user)(method, path, body, headers);
    const job = async (id: string) => (await (await call('GET', `/gpu/jobs/${id}`)).json()) as DeploymentJob;
    const settle = async (id: string) => {
      let current = await job(id);
      await until(async () => {
        current = await job(id);
        return current.status !== 'queued' && current.status !== 'running';
      }, `job ${id} to end`);
      return current;
    };
    const create = async (slug: string, extra: Record<string, unknown> = {}) => {
      const response = await call('POST', '/deployments', {
        slug,
        name: 'My Comfy',
        dockerImage: comfyImage,
        gpuTypes: 'ADA_48_PRO,AMPERE_80',
        workflow,
        ...extra,
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return (await response.json()) as Deployment;
    };

    it('lifecycle: create provisions at RunPod, a ComfyUI run applies the overrides, PATCH updates, DELETE removes it', async () => {
      const created = await create('my-comfy-workflow', {
        minWorkers: 0,
        maxWorkers: 2,
        idleTimeoutSeconds: 30,
        maxSeconds: 60,
        env: { HF_TOKEN: 'hf_secret_value' },
        webhookUrl: hookUrl,
      });
      expect(created).toMatchObject({
        object: 'deployment',
        slug: 'my-comfy-workflow',
        name: 'My Comfy',
        gpuTypes: 'ADA_48_PRO,AMPERE_80',
        minWorkers: 0,
        maxWorkers: 2,
        idleTimeoutSeconds: 30,
        maxSeconds: 60,
        envKeys: ['HF_TOKEN'],
        backend: 'runpod',
        state: 'scaled_to_zero',
        pricePerSecondCredits: rateCredits,
        workflow,
      });
      expect(JSON.stringify(created)).not.toContain('hf_secret_value');
      // At RunPod: a serverless template of the image + env, and a queue endpoint on the pools.
      const endpoint = harness.sim.runpod.registry.endpoints.get(created.endpointId);
      expect(endpoint).toMatchObject({
        type: 'QUEUE',
        gpu: { pools: ['ADA_48_PRO', 'AMPERE_80'] },
        workers: { min: 0, max: 2, idleTimeout: 30 },
        timeout: 60_000,
      });
      const template = harness.sim.runpod.registry.templates.get(endpoint?.templateId ?? '');
      expect(template).toMatchObject({
        image: comfyImage,
        serverless: true,
        env: { HF_TOKEN: 'hf_secret_value' },
      });

      // A worker running the image takes the endpoint's jobs: the deployment is ready.
      workers.push(await simWorker(harness, { image: comfyImage }, { comfyUi: true }));
      await until(
        async () =>
          ((await (await call('GET', '/deployments/my-comfy-workflow')).json()) as Deployment).state ===
          'ready',
        'the deployment to be ready',
      );

      const secret = ((await (await call('POST', '/webhooks/secret')).json()) as { secret: string }).secret;
      received.length = 0;
      const before = await harness.balancedBalance(user.user.id);
      const response = await call('POST', '/gpu/run/my-comfy-workflow', {
        input: {
          prompt: 'a cinematic portrait of an astronaut',
          seed: 42,
          workflow_overrides: { 'Sampler.steps': 30 },
        },
      });
      expect(response.status).toBe(202);
      const queued = (await response.json()) as DeploymentJob;
      expect(queued).toMatchObject({ object: 'gpu.job', deployment: 'my-comfy-workflow', status: 'queued' });
      expect(queued.provider_job_id).toMatch(/-u1$/);
      const done = await settle(queued.job_id);
      expect(done).toMatchObject({ status: 'succeeded', error: null });
      expect(done.output?.images).toHaveLength(1);
      const png = Buffer.from(await (await fetch(done.output?.images[0] ?? '')).arrayBuffer());
      expect(readPngInfo(png)).toMatchObject({ width: 64, height: 48 });
      // The graph that reached ComfyUI had the run's overrides, prompt and seed.
      expect(JSON.parse(pngText(png)['parameters'] ?? '{}')).toMatchObject({
        positive: 'a cinematic portrait of an astronaut',
        negative: 'blurry',
        seed: 42,
        steps: 30,
      });
      const atSim = [...harness.sim.runpod.jobs.jobs.values()].find(
        (entry) => entry.id === queued.provider_job_id,
      );
      expect(done.executionMs).toBe(atSim?.executionTime);
      expect(done.creditsCharged).toBe(chargeMicro(done.executionMs ?? 0) / 1_000_000);
      expect(await harness.balancedBalance(user.user.id)).toBe(before - chargeMicro(done.executionMs ?? 0));
      noteBilling(
        `runpod ComfyUI deployment (ADA_48_PRO,AMPERE_80 → 0.095/s): held 5.7 (60 s), executionMs ${done.executionMs} → charged ${done.creditsCharged} credits`,
      );

      // The deployment's webhookUrl got the signed completion event.
      await until(() => received.length > 0, 'the deployment webhook');
      const [message] = received;
      const event = new Webhook(secret).verify(message?.body ?? '', {
        'webhook-id': String(message?.headers['webhook-id']),
        'webhook-timestamp': String(message?.headers['webhook-timestamp']),
        'webhook-signature': String(message?.headers['webhook-signature']),
      }) as { type: string; data: { id: string; kind: string; model: string } };
      expect(event).toMatchObject({
        type: 'job.succeeded',
        data: { id: queued.job_id, kind: 'gpu', model: 'my-comfy-workflow' },
      });

      // PATCH: the workers and the name change here and at RunPod; env values stay hidden.
      const patched = await call('PATCH', '/deployments/my-comfy-workflow', {
        maxWorkers: 5,
        name: 'Renamed',
      });
      expect(patched.status).toBe(200);
      expect(await patched.json()).toMatchObject({ maxWorkers: 5, name: 'Renamed', envKeys: ['HF_TOKEN'] });
      expect(harness.sim.runpod.registry.endpoints.get(created.endpointId)?.workers.max).toBe(5);
      expect((await call('PATCH', '/deployments/my-comfy-workflow', { minWorkers: 9 })).status).toBe(400);

      const listed = (await (await call('GET', '/deployments')).json()) as { data: Deployment[] };
      expect(listed.data.map((entry) => entry.slug)).toEqual(['my-comfy-workflow']);
      const jobs = (await (await call('GET', '/gpu/jobs?deployment=my-comfy-workflow')).json()) as {
        data: DeploymentJob[];
      };
      expect(jobs.data.map((entry) => entry.job_id)).toEqual([queued.job_id]);

      const deleted = await call('DELETE', '/deployments/my-comfy-workflow');
      expect(deleted.status).toBe(200);
      expect(harness.sim.runpod.registry.endpoints.has(created.endpointId)).toBe(false);
      expect(harness.sim.runpod.registry.templates.has(endpoint?.templateId ?? '')).toBe(false);
      expect((await call('GET', '/deployments/my-comfy-workflow')).status).toBe(404);
      // Its jobs stay readable.
      expect((await job(queued.job_id)).status).toBe('succeeded');
    });

    it('sync: true answers the finished job inline, and the queued job when it outlives gpu.syncWaitMs', async () => {
      await create('sync-runs');
      workers.push(await simWorker(harness, { image: comfyImage }, { comfyUi: true }));
      const quick = await call('POST', '/gpu/run/sync-runs', { input: { prompt: 'quick' }, sync: true });
      expect(quick.status).toBe(200);
      expect(await quick.json()).toMatchObject({
        status: 'succeeded',
        output: { images: [expect.any(String)] },
      });
      // The same Idempotency-Key is the same job, run and billed once.
      const before = await harness.balancedBalance(user.user.id);
      const first = (await (
        await call(
          'POST',
          '/gpu/run/sync-runs',
          { input: { prompt: 'once' }, sync: true },
          { 'idempotency-key': 'run-1' },
        )
      ).json()) as DeploymentJob;
      const again = (await (
        await call(
          'POST',
          '/gpu/run/sync-runs',
          { input: { prompt: 'once' }, sync: true },
          { 'idempotency-key': 'run-1' },
        )
      ).json()) as DeploymentJob;
      expect(again).toMatchObject({ job_id: first.job_id, status: 'succeeded' });
      expect(await harness.balancedBalance(user.user.id)).toBe(before - chargeMicro(first.executionMs ?? 0));
      // 300 steps × 10 ms at the ComfyUI fake: longer than the 2 s wait.
      const started = Date.now();
      const slow = await call('POST', '/gpu/run/sync-runs', {
        input: { prompt: 'slow', workflow_overrides: { 'Sampler.steps': 300 } },
        sync: true,
      });
      expect(slow.status).toBe(200);
      const pending = (await slow.json()) as DeploymentJob;
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(['queued', 'running']).toContain(pending.status);
      expect((await settle(pending.job_id)).status).toBe('succeeded');
      expect((await call('DELETE', '/deployments/sync-runs')).status).toBe(200);
    });

    it('refuses bad deployments and bad overrides with a 400 naming the field, and charges nothing', async () => {
      const before = await harness.balancedBalance(user.user.id);
      const bad: [Record<string, unknown>, string][] = [
        [{ slug: 'Bad Slug', dockerImage: comfyImage, gpuTypes: 'ADA_24' }, 'slug'],
        [{ slug: 'ok-slug', dockerImage: comfyImage, gpuTypes: 'NOT_A_GPU' }, 'gpuTypes'],
        [{ slug: 'ok-slug', dockerImage: comfyImage, gpuTypes: [] }, 'gpuTypes'],
        [
          { slug: 'ok-slug', dockerImage: comfyImage, gpuTypes: 'ADA_24', minWorkers: 3, maxWorkers: 1 },
          'minWorkers',
        ],
        [
          { slug: 'ok-slug', dockerImage: comfyImage, gpuTypes: 'ADA_24', workflow: { '1': { inputs: {} } } },
          'workflow.1',
        ],
        [
          { slug: 'ok-slug', dockerImage: comfyImage, gpuTypes: 'ADA_24', webhookUrl: 'http://10.0.0.1/x' },
          'webhookUrl',
        ],
        [{ slug: 'ok-slug', dockerImage: comfyImage, gpuTypes: 'ADA_24', backend: 'nowhere' }, 'backend'],
      ];
      for (const [body, param] of bad) {
        const response = await call('POST', '/deployments', body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
      }
      await create('overrides');
      expect(
        (
          await call('POST', '/deployments', {
            slug: 'overrides',
            dockerImage: comfyImage,
            gpuTypes: 'ADA_24',
          })
        ).status,
      ).toBe(409);
      for (const [overrides, param] of [
        [{ 'Nope.steps': 3 }, 'input.workflow_overrides.Nope.steps'],
        [{ 'Sampler.stepz': 3 }, 'input.workflow_overrides.Sampler.stepz'],
      ] as const) {
        const response = await call('POST', '/gpu/run/overrides', {
          input: { workflow_overrides: overrides },
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
      }
      expect(await harness.balancedBalance(user.user.id)).toBe(before);
      expect((await call('DELETE', '/deployments/overrides')).status).toBe(200);
    });

    it('another user’s deployment and its jobs are a 404; a job that outlives maxSeconds is refunded', async () => {
      await create('private-one', { maxSeconds: 5 });
      workers.push(await simWorker(harness, { image: comfyImage }, { comfyUi: true }));
      const other = await harness.newUser(100);
      const theirs = as(other);
      expect((await theirs('GET', '/deployments/private-one')).status).toBe(404);
      expect((await theirs('PATCH', '/deployments/private-one', { name: 'x' })).status).toBe(404);
      expect((await theirs('DELETE', '/deployments/private-one')).status).toBe(404);
      expect((await theirs('POST', '/gpu/run/private-one', { input: {} })).status).toBe(404);
      expect(((await (await theirs('GET', '/deployments')).json()) as { data: unknown[] }).data).toEqual([]);
      // The same slug is free for them: slugs are per owner.
      const before = await harness.balancedBalance(user.user.id);
      // 600 steps × 10 ms: 6 s, past the deployment's 5 s.
      const long = (await (
        await call('POST', '/gpu/run/private-one', {
          input: { workflow_overrides: { 'Sampler.steps': 600 } },
        })
      ).json()) as DeploymentJob;
      expect((await theirs('GET', `/gpu/jobs/${long.job_id}`)).status).toBe(404);
      const done = await settle(long.job_id);
      expect(done).toMatchObject({ status: 'failed', creditsCharged: 0, error: { code: 'timeout' } });
      expect(await harness.balancedBalance(user.user.id)).toBe(before);
      noteBilling('runpod ComfyUI deployment job past its 5 s maxSeconds: timed out, charged 0');
      expect((await call('DELETE', '/deployments/private-one')).status).toBe(200);
    }, 20_000);

    it('an org key’s deployments and jobs are the org’s: developers manage them, viewers may not, outsiders see nothing', async () => {
      const owner = await harness.newUser(0);
      const developer = await harness.newUser(0);
      const viewer = await harness.newUser(0);
      const org = await createOrg(harness.db, { name: `GPU org ${Date.now()}`, ownerId: owner.user.id });
      await addMember(harness.db, { orgId: org.id, userId: developer.user.id, role: 'developer' });
      await addMember(harness.db, { orgId: org.id, userId: viewer.user.id, role: 'viewer' });
      await grantCredits(harness.db, owner.user.id, creditsToMicro(500), 'org credits', 'grant', org.id);
      const orgKey = async (who: TestUser) => ({
        ...who,
        key: (await createApiKey(harness.db, { userId: who.user.id, orgId: org.id, name: 'org' })).secret,
      });
      const dev = as(await orgKey(developer));
      const view = as(await orgKey(viewer));

      const body = { slug: 'org-comfy', dockerImage: comfyImage, gpuTypes: ['ADA_24'], workflow };
      expect((await view('POST', '/deployments', body)).status).toBe(403);
      expect((await dev('POST', '/deployments', body)).status).toBe(201);
      // Another org member's key sees it; the same person's personal key does not.
      expect((await view('GET', '/deployments/org-comfy')).status).toBe(200);
      expect((await as(developer)('GET', '/deployments/org-comfy')).status).toBe(404);
      expect((await view('POST', '/gpu/run/org-comfy', { input: {} })).status).toBe(403);

      workers.push(await simWorker(harness, { image: comfyImage }, { comfyUi: true }));
      const run = (await (
        await dev('POST', '/gpu/run/org-comfy', { input: { prompt: 'org' } })
      ).json()) as DeploymentJob;
      expect((await view('GET', `/gpu/jobs/${run.job_id}`)).status).toBe(200);
      expect((await as(developer)('GET', `/gpu/jobs/${run.job_id}`)).status).toBe(404);
      let done = run;
      await until(async () => {
        done = (await (await dev('GET', `/gpu/jobs/${run.job_id}`)).json()) as DeploymentJob;
        return done.status === 'succeeded';
      }, 'the org job');
      // ADA_24 is 0.03875 credits/s, from the org's wallet.
      const charged = Math.ceil(((done.executionMs ?? 0) * creditsToMicro(0.03875)) / 1000);
      const wallet = await getBalance(harness.db, owner.user.id, org.id);
      expect(wallet.heldMicro).toBe(0);
      expect(wallet.balanceMicro).toBe(creditsToMicro(500) - charged);
      expect(await ledgerSum(harness.db, owner.user.id, org.id)).toBe(wallet.balanceMicro);
      noteBilling(
        `runpod org deployment (ADA_24 0.03875/s): executionMs ${done.executionMs} → ${done.creditsCharged} credits from the org wallet`,
      );
      expect((await dev('DELETE', '/deployments/org-comfy')).status).toBe(200);
    });
  },
);

describe('GPU deployments on the self-hosted pool (backend: "workers")', () => {
  let harness: Harness;
  let user: TestUser;
  const pool: RunningWorker[] = [];

  beforeAll(async () => {
    harness = await startHarness({
      config: { jobs: { tickMs: 20, maxPollIntervalMs: 50 }, ...selfHostedConfig },
      sim: gpuSimOptions,
    });
    user = await harness.newUser(1000);
  });
  afterAll(async () => {
    for (const worker of pool.splice(0)) worker.kill();
    await harness.close();
  });

  it('provisions on the pool, runs the ComfyUI workflow with overrides on a registered worker, bills the tier, deletes', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${harness.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const created = await call('POST', '/deployments', {
      slug: 'pool-comfy',
      dockerImage: comfyImage,
      gpuTypes: 'ADA_24',
      workflow,
      backend: 'workers',
    });
    expect(created.status).toBe(201);
    const deployment = (await created.json()) as Deployment;
    expect(deployment).toMatchObject({
      backend: 'workers',
      state: 'scaled_to_zero',
      pricePerSecondCredits: 0.03875,
    });
    const token = (await createWorkerToken(harness.db, 'comfy box')).secret;
    pool.push(
      await startWorker({
        gateway: { url: harness.gateway.url, token, serve: [], image: comfyImage, name: 'comfy box' },
        comfyUiUrl: `${harness.sim.url}/comfyui`,
        pollIntervalMs: 50,
        log: () => undefined,
      }),
    );
    await until(
      async () =>
        ((await (await call('GET', '/deployments/pool-comfy')).json()) as Deployment).state === 'ready',
      'the pool deployment to be ready',
    );
    const before = await harness.balancedBalance(user.user.id);
    const run = await call('POST', '/gpu/run/pool-comfy', {
      input: { prompt: 'pool portrait', seed: 7, workflow_overrides: { 'Sampler.steps': 12, '5.width': 80 } },
      sync: true,
    });
    const done = (await run.json()) as DeploymentJob;
    expect(done).toMatchObject({ status: 'succeeded', deployment: 'pool-comfy' });
    const png = Buffer.from(await (await fetch(done.output?.images[0] ?? '')).arrayBuffer());
    expect(JSON.parse(pngText(png)['parameters'] ?? '{}')).toMatchObject({
      positive: 'pool portrait',
      seed: 7,
      steps: 12,
      width: 80,
    });
    const charged = Math.ceil(((done.executionMs ?? 0) * creditsToMicro(0.03875)) / 1000);
    expect(done.creditsCharged).toBe(charged / 1_000_000);
    expect(await harness.balancedBalance(user.user.id)).toBe(before - charged);
    expect(harness.sim.runpod.jobs.jobs.size).toBe(0);
    noteBilling(
      `workers ComfyUI deployment (ADA_24 0.03875/s): executionMs ${done.executionMs} → ${done.creditsCharged} credits`,
    );
    expect((await call('DELETE', '/deployments/pool-comfy')).status).toBe(200);
    expect((await call('GET', '/deployments/pool-comfy')).status).toBe(404);
  });
});
