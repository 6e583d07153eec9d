import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { runpodWorkerEnv } from './index.ts';
import { testWorker } from './test-worker.ts';

const KEY = 'rp-admin-key';
let sim: UpstreamSim;

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], runpodTakeWaitMs: 100, runpodPingIntervalMs: 200 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function rest<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  key: string | null = KEY,
): Promise<{ status: number; type: string; body: T }> {
  const response = await fetch(`${sim.url}/v2/${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: (text === '' ? undefined : JSON.parse(text)) as T,
  };
}

interface Problem {
  title: string;
  status: number;
  detail: string;
  errors?: string[];
}

const ENDPOINT_BODY = {
  name: 'my-comfy',
  type: 'QUEUE',
  scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
  gpu: { pools: ['ADA_48_PRO', 'AMPERE_80'], count: 1 },
  workers: { min: 0, max: 2, idleTimeout: 5 },
  timeout: 120_000,
};

describe('RunPod management REST v2', () => {
  it('creates a template and an endpoint on it; the endpoint goes live for workers running that image', async () => {
    const template = await rest<{ id: string; image: string; env: Record<string, string> }>(
      'POST',
      'templates',
      {
        name: 'comfy',
        image: 'runpod/worker-comfyui:5.5.0-base',
        serverless: true,
        env: { A: '1', B: '2' },
      },
    );
    expect(template.status).toBe(201);
    expect(template.body).toMatchObject({
      image: 'runpod/worker-comfyui:5.5.0-base',
      serverless: true,
      disk: 50,
    });
    expect((await rest('GET', `templates/${template.body.id}`)).body).toMatchObject({ name: 'comfy' });

    const created = await rest<{
      id: string;
      requestUrls: Record<string, string>;
      env: Record<string, string>;
      image: string;
      workerStatus: unknown[];
    }>('POST', 'serverless', { ...ENDPOINT_BODY, templateId: template.body.id, env: { B: 'override' } });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[a-z0-9]{14}$/);
    expect(created.body).toMatchObject({
      name: 'my-comfy',
      type: 'QUEUE',
      gpu: { pools: ['ADA_48_PRO', 'AMPERE_80'], count: 1 },
      workers: { min: 0, max: 2, idleTimeout: 5 },
      timeout: 120_000,
      templateId: template.body.id,
      image: 'runpod/worker-comfyui:5.5.0-base',
      env: { A: '1', B: 'override' },
      workerStatus: [],
    });
    expect(created.body.requestUrls['run']).toBe(`${sim.url}/v2/${created.body.id}/run`);
    expect(created.body.requestUrls['health']).toBe(`${sim.url}/v2/${created.body.id}/health`);

    const worker = testWorker(
      runpodWorkerEnv(sim.url, {
        image: 'runpod/worker-comfyui:5.5.0-base',
        apiKey: KEY,
        pingIntervalMs: 200,
      }),
    );
    const run = await fetch(created.body.requestUrls['run'] ?? '', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { workflow: {} } }),
    });
    const job = (await run.json()) as { id: string };
    expect((await worker.take()).job?.id).toBe(job.id);
    const fetched = await rest<{ workerStatus: Array<{ id: string; status: string }> }>(
      'GET',
      `serverless/${created.body.id}`,
    );
    expect(fetched.body.workerStatus).toEqual([{ id: worker.env['RUNPOD_POD_ID'], status: 'RUNNING' }]);
    const workers = await rest<{ summary: Record<string, number> }>(
      'GET',
      `serverless/${created.body.id}/workers`,
    );
    expect(workers.body.summary).toMatchObject({ running: 1, idle: 0, total: 1 });

    expect((await rest('DELETE', `templates/${template.body.id}`)).status).toBe(400);
    const list = await rest<Array<{ id: string }>>('GET', 'serverless');
    expect(list.body.map((endpoint) => endpoint.id).sort()).toEqual(
      [created.body.id, 'sdxl', 'wan-video'].sort(),
    );
  });

  it('patches an endpoint (partial, env merged, version bumped on container changes) and deletes it (204, then 404)', async () => {
    const created = await rest<{ id: string; version: number }>('POST', 'serverless', {
      ...ENDPOINT_BODY,
      image: 'me/worker:1',
      env: { A: '1' },
    });
    const patched = await rest<Record<string, unknown>>('PATCH', `serverless/${created.body.id}`, {
      workers: { max: 5 },
      image: 'me/worker:2',
      env: { B: '2' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'my-comfy',
      image: 'me/worker:2',
      env: { A: '1', B: '2' },
      workers: { min: 0, max: 5, idleTimeout: 5 },
      version: created.body.version + 1,
    });
    const deleted = await rest('DELETE', `serverless/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    const gone = await rest<Problem>('GET', `serverless/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.type).toBe('application/problem+json');
    const run = await fetch(`${sim.url}/v2/${created.body.id}/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: {} }),
    });
    expect(run.status).toBe(404);
  });

  it('answers validation problems as application/problem+json 400 with every error listed', async () => {
    const missing = await rest<Problem>('POST', 'serverless', { gpu: { pools: ['ADA_24'] } });
    expect(missing.status).toBe(400);
    expect(missing.type).toBe('application/problem+json');
    expect(missing.body).toMatchObject({ title: 'Bad Request', status: 400 });
    expect(missing.body.errors?.some((error) => error.startsWith('name'))).toBe(true);
    expect(missing.body.errors?.some((error) => error.startsWith('type'))).toBe(true);
    expect(missing.body.errors?.some((error) => error.startsWith('scaling'))).toBe(true);

    const semantic = await rest<Problem>('POST', 'serverless', {
      ...ENDPOINT_BODY,
      gpu: { pools: ['NOT_A_POOL'] },
      workers: { min: 3, max: 1 },
      templateId: 'nope',
    });
    expect(semantic.status).toBe(400);
    expect(semantic.body.errors).toEqual([
      'templateId: template nope not found',
      'gpu.pools: unknown GPU pool NOT_A_POOL',
      'workers.min: must not exceed workers.max',
    ]);
    const noImage = await rest<Problem>('POST', 'serverless', ENDPOINT_BODY);
    expect(noImage.body.errors).toEqual(['image: an image or a templateId is required']);
    const badDelay = await rest<Problem>('POST', 'serverless', {
      ...ENDPOINT_BODY,
      image: 'x',
      scaling: { type: 'QUEUE_DELAY', queueDelay: 0.1 },
    });
    expect(badDelay.status).toBe(400);
    const template = await rest<Problem>('POST', 'templates', { name: 'x' });
    expect(template.status).toBe(400);
    expect(template.body.errors?.[0]).toMatch(/^image/);
  });

  it('refuses a missing or wrong key with a 401 problem', async () => {
    const none = await rest<Problem>('GET', 'serverless', undefined, null);
    expect(none.status).toBe(401);
    expect(none.type).toBe('application/problem+json');
    expect(none.body.title).toBe('Unauthorized');
    expect((await rest('GET', 'catalog/gpus', undefined, 'wrong')).status).toBe(401);
  });

  it('lists the GPU catalogue with pools and serverless prices', async () => {
    const { body } = await rest<
      Array<{
        id: string;
        name: string;
        pool: string | null;
        memory: number;
        price: Record<string, number | null>;
      }>
    >('GET', 'catalog/gpus');
    const h100 = body.find((gpu) => gpu.id === 'NVIDIA H100 80GB HBM3');
    expect(h100).toMatchObject({ pool: 'ADA_80_PRO', memory: 80 });
    expect(h100?.price['serverless']).toBeCloseTo(4.176, 3);
    expect(new Set(body.map((gpu) => gpu.pool))).toContain('ADA_24');
  });

  it('seeds sdxl and wan-video by default, and takes other seeds as an option', async () => {
    const seeded = await rest<{ id: string; image: string }>('GET', 'serverless/sdxl');
    expect(seeded.status).toBe(200);
    const other = await startUpstreamSim({ runpodEndpoints: [{ id: 'flux', imageName: 'me/flux:1' }] });
    try {
      const response = await fetch(`${other.url}/v2/serverless`, {
        headers: { authorization: 'Bearer any' },
      });
      const list = (await response.json()) as Array<{ id: string; image: string }>;
      expect(list.map((endpoint) => [endpoint.id, endpoint.image])).toEqual([['flux', 'me/flux:1']]);
    } finally {
      await other.close();
    }
  });
});
