import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { runpodWorkerEnv } from './index.ts';
import { testWorker } from './test-worker.ts';

const KEY = 'rp-test-key';
let sim: UpstreamSim;

beforeAll(async () => {
  sim = await startUpstreamSim({
    apiKeys: [KEY],
    runpodPingIntervalMs: 100,
    runpodTakeWaitMs: 150,
    runpodStopWaitMs: 300,
    runpodWebhookRetryMs: 50,
    runpodSyncResultMs: 300,
    runpodAsyncResultMs: 600,
  });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

interface JobObject {
  id: string;
  status: string;
  delayTime?: number;
  executionTime?: number;
  output?: unknown;
  error?: unknown;
}

function call(method: string, path: string, body?: unknown, auth: string | null = `Bearer ${KEY}`) {
  return fetch(`${sim.url}/v2/${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function json<T = JobObject>(response: Promise<Response>): Promise<{ status: number; body: T }> {
  const answer = await response;
  return { status: answer.status, body: (await answer.json()) as T };
}

function worker(endpointId = 'sdxl') {
  return testWorker(runpodWorkerEnv(sim.url, { endpointId, apiKey: KEY, pingIntervalMs: 100 }));
}

describe('RunPod job API with a worker', () => {
  it('runs a job: IN_QUEUE → IN_PROGRESS (with progress) → COMPLETED, timings measured by the platform', async () => {
    const submitted = await json(call('POST', 'sdxl/run', { input: { prompt: 'a fox' } }));
    expect(submitted.status).toBe(200);
    expect(submitted.body.id).toMatch(/^[0-9a-f-]{36}-u1$/);
    expect(submitted.body.status).toBe('IN_QUEUE');
    expect((await json(call('GET', `sdxl/status/${submitted.body.id}`))).body.status).toBe('IN_QUEUE');

    await delay(40);
    const w = worker();
    const taken = await w.take();
    expect(taken.status).toBe(200);
    expect(taken.job).toEqual({ id: submitted.body.id, input: { prompt: 'a fox' } });
    expect(
      (await w.post(submitted.body.id, { status: 'IN_PROGRESS', output: { progress: 0.5 } })).status,
    ).toBe(200);
    const running = await json(call('GET', `sdxl/status/${submitted.body.id}`));
    expect(running.body).toMatchObject({ status: 'IN_PROGRESS', output: { progress: 0.5 } });
    expect(running.body.delayTime).toBeGreaterThanOrEqual(40);

    const health = await json<{ jobs: Record<string, number>; workers: Record<string, number> }>(
      call('GET', 'sdxl/health'),
    );
    expect(health.body.jobs).toMatchObject({ inProgress: 1, inQueue: 0 });
    expect(health.body.workers).toMatchObject({ running: 1, idle: 0, initializing: 0, throttled: 0 });

    await delay(60);
    expect((await w.post(submitted.body.id, { output: { images: ['x'] }, executionTime: 1 })).status).toBe(
      200,
    );
    const done = await json(call('GET', `sdxl/status/${submitted.body.id}`));
    expect(done.body).toMatchObject({
      id: submitted.body.id,
      status: 'COMPLETED',
      output: { images: ['x'] },
    });
    expect(done.body.executionTime).toBeGreaterThanOrEqual(60);
    expect(done.body.delayTime).toBeGreaterThanOrEqual(40);
    const after = await json<{ jobs: Record<string, number>; workers: Record<string, number> }>(
      call('GET', 'sdxl/health'),
    );
    expect(after.body.jobs).toMatchObject({ completed: 1, inProgress: 0 });
    expect(after.body.workers).toMatchObject({ idle: 1, running: 0, ready: 1 });
  });

  it('a handler error makes the job FAILED with the error kept beside any output', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: {} }));
    const w = worker();
    await w.take();
    await w.post(body.id, { error: 'Job processing failed', output: { details: ['boom'] } });
    const failed = await json(call('GET', `sdxl/status/${body.id}`));
    expect(failed.body).toMatchObject({
      status: 'FAILED',
      error: 'Job processing failed',
      output: { details: ['boom'] },
    });
    const health = await json<{ jobs: Record<string, number> }>(call('GET', 'sdxl/health'));
    expect(health.body.jobs['failed']).toBe(1);
  });

  it('job-take answers 204 when the queue stays empty, and long-polls until a job arrives', async () => {
    const w = worker();
    expect((await w.take()).status).toBe(204);
    const pending = w.take();
    await delay(30);
    const { body } = await json(call('POST', 'sdxl/run', { input: { n: 1 } }));
    expect((await pending).job?.id).toBe(body.id);
  });

  it('a worker that stops pinging is dead: its job is requeued once, then FAILED', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: { n: 1 } }));
    const first = worker();
    expect((await first.take()).job?.id).toBe(body.id);
    await delay(400);
    const requeued = await json(call('GET', `sdxl/status/${body.id}`));
    expect(requeued.body.status).toBe('IN_QUEUE');
    const health = await json<{ jobs: Record<string, number>; workers: Record<string, number> }>(
      call('GET', 'sdxl/health'),
    );
    expect(health.body.jobs['retried']).toBe(1);
    expect(health.body.workers).toMatchObject({ idle: 0, running: 0 });

    const second = worker();
    expect((await second.take()).job?.id).toBe(body.id);
    await delay(400);
    const failed = await json(call('GET', `sdxl/status/${body.id}`));
    expect(failed.body.status).toBe('FAILED');
    expect(String(failed.body.error)).toContain('stopped responding');
  });

  it('a pinging worker stays alive through a long job', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: {} }));
    const w = worker();
    await w.take();
    for (let i = 0; i < 5; i += 1) {
      await delay(80);
      expect((await w.ping([body.id])).status).toBe(200);
    }
    expect((await json(call('GET', `sdxl/status/${body.id}`))).body.status).toBe('IN_PROGRESS');
  });

  it('cancel stops a running job: CANCELLED for the client, jobsToStop for the worker, its late result dropped', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: {} }));
    const w = worker();
    await w.take();
    const stopping = w.stop();
    await delay(30);
    const cancelled = await json(call('POST', `sdxl/cancel/${body.id}`, {}));
    expect(cancelled.body).toMatchObject({ id: body.id, status: 'CANCELLED' });
    expect(await stopping).toEqual({ status: 200, jobsToStop: [body.id] });
    expect((await w.post(body.id, { output: 'late' })).status).toBe(200);
    const final = await json(call('GET', `sdxl/status/${body.id}`));
    expect(final.body.status).toBe('CANCELLED');
    expect(final.body.output).toBeUndefined();
    expect((await w.stop()).status).toBe(204);
  });

  it('cancelling a queued job means no worker ever gets it', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: {} }));
    await call('POST', `sdxl/cancel/${body.id}`);
    expect((await worker().take()).status).toBe(204);
  });

  it('executionTimeout: a worker that never reports makes the job TIMED_OUT; retry puts it back', async () => {
    const { body } = await json(
      call('POST', 'sdxl/run', { input: { a: 1 }, policy: { executionTimeout: 100 } }),
    );
    const w = worker();
    await w.take();
    await delay(200);
    await w.ping([body.id]);
    expect((await json(call('GET', `sdxl/status/${body.id}`))).body.status).toBe('TIMED_OUT');
    expect((await w.stop()).jobsToStop).toEqual([body.id]);

    const retried = await json(call('POST', `sdxl/retry/${body.id}`));
    expect(retried.body).toEqual({ id: body.id, status: 'IN_QUEUE' });
    const again = await w.take();
    expect(again.job).toEqual({ id: body.id, input: { a: 1 } });
    await w.post(body.id, { output: 'ok' });
    expect((await json(call('GET', `sdxl/status/${body.id}`))).body).toMatchObject({
      status: 'COMPLETED',
      output: 'ok',
    });
    const refused = await json<{ error: string }>(call('POST', `sdxl/retry/${body.id}`));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain('COMPLETED');
  });

  it('ttl: the job is deleted when it runs out, even mid-run (status 404)', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: {}, policy: { ttl: 150 } }));
    const w = worker();
    await w.take();
    await delay(200);
    const gone = await json<{ error: string }>(call('GET', `sdxl/status/${body.id}`));
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('request does not exist');
  });

  it('results are kept for a while after the job finishes (async and sync), then 404', async () => {
    const w = worker();
    const asyncJob = await json(call('POST', 'sdxl/run', { input: {} }));
    await w.take();
    await w.post(asyncJob.body.id, { output: 1 });
    const syncing = json(call('POST', 'sdxl/runsync', { input: {} }));
    const taken = await w.take();
    await w.post(taken.job?.id ?? '', { output: 2 });
    const syncJob = await syncing;
    expect(syncJob.body).toMatchObject({ status: 'COMPLETED', output: 2 });
    expect(syncJob.body.id).toMatch(/^sync-[0-9a-f-]{36}$/);
    await delay(400);
    expect((await call('GET', `sdxl/status/${syncJob.body.id}`)).status).toBe(404);
    expect((await call('GET', `sdxl/status/${asyncJob.body.id}`)).status).toBe(200);
    await delay(300);
    expect((await call('GET', `sdxl/status/${asyncJob.body.id}`)).status).toBe(404);
    expect((await call('POST', `sdxl/retry/${asyncJob.body.id}`)).status).toBe(404);
  });

  it('runsync answers the non-terminal job when the wait runs out (wait is clamped to ≥ 1000 ms)', async () => {
    const started = Date.now();
    const { status, body } = await json(call('POST', 'sdxl/runsync?wait=10', { input: {} }));
    expect(status).toBe(200);
    expect(body.status).toBe('IN_QUEUE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('purge-queue removes queued jobs only', async () => {
    const running = await json(call('POST', 'sdxl/run', { input: {} }));
    await worker().take();
    const queued = await json(call('POST', 'sdxl/run', { input: {} }));
    await call('POST', 'sdxl/run', { input: {} });
    const purged = await json<{ removed: number; status: string }>(call('POST', 'sdxl/purge-queue'));
    expect(purged.body).toEqual({ removed: 2, status: 'completed' });
    expect((await call('GET', `sdxl/status/${queued.body.id}`)).status).toBe(404);
    expect((await json(call('GET', `sdxl/status/${running.body.id}`))).body.status).toBe('IN_PROGRESS');
  });

  it('stream hands out chunks posted with isStream=true, each once', async () => {
    const { body } = await json(call('POST', 'sdxl/run', { input: {} }));
    const w = worker();
    await w.take();
    await w.post(body.id, { output: 'a' }, true);
    await w.post(body.id, { output: 'b' }, true);
    const first = await json<{ status: string; stream: unknown[] }>(call('GET', `sdxl/stream/${body.id}`));
    expect(first.body).toEqual({ status: 'IN_PROGRESS', stream: [{ output: 'a' }, { output: 'b' }] });
    await w.post(body.id, { output: ['a', 'b'] });
    const last = await json<{ status: string; stream: unknown[] }>(call('GET', `sdxl/stream/${body.id}`));
    expect(last.body).toEqual({ status: 'COMPLETED', stream: [] });
  });

  it('image-matched workers take jobs of every endpoint running their image', async () => {
    const image = 'hypereal/gpu-worker:wan-video';
    const w = testWorker(runpodWorkerEnv(sim.url, { image, apiKey: KEY, pingIntervalMs: 100 }));
    expect(w.env['RUNPOD_ENDPOINT_ID']).toBeUndefined();
    const { body } = await json(call('POST', 'wan-video/run', { input: { seconds: 2 } }));
    expect((await worker('sdxl').take()).status).toBe(204);
    const taken = await w.take();
    expect(taken.job?.id).toBe(body.id);
    await w.post(body.id, { output: { videos: [] } });
    expect((await json(call('GET', `wan-video/status/${body.id}`))).body.status).toBe('COMPLETED');
  });
});

describe('RunPod job API: validation and auth', () => {
  it('accepts Bearer or the bare key, refuses others with 401', async () => {
    expect((await call('GET', 'sdxl/health', undefined, `Bearer ${KEY}`)).status).toBe(200);
    expect((await call('GET', 'sdxl/health', undefined, KEY)).status).toBe(200);
    const refused = await json<{ error: string }>(call('GET', 'sdxl/health', undefined, 'Bearer nope'));
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('Unauthorized');
    expect((await call('GET', 'sdxl/health', undefined, null)).status).toBe(401);
  });

  it('workers authenticate with the raw key; Bearer is refused', async () => {
    const w = worker();
    expect((await w.ping()).status).toBe(200);
    const bearer = await fetch(w.env['RUNPOD_WEBHOOK_PING'] ?? '', {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(bearer.status).toBe(401);
  });

  it('unknown endpoint → 404; missing input → 400; oversized body → 413', async () => {
    const unknown = await json<{ error: string }>(call('POST', 'nope/run', { input: {} }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('nope');
    const missing = await json<{ error: string }>(
      call('POST', 'sdxl/run', { webhook: 'http://127.0.0.1:1/x' }),
    );
    expect(missing).toEqual({ status: 400, body: { error: 'input is required' } });
    expect((await call('POST', 'sdxl/run', { input: 'x'.repeat(10 * 1024 * 1024) })).status).toBe(413);
    expect((await call('GET', 'sdxl/status/nope')).status).toBe(404);
  });

  it('records requests and applies faults matched by endpoint id', async () => {
    sim.addFault({ match: { model: 'sdxl' }, status: 429 });
    const limited = await json<{ error: string }>(call('POST', 'sdxl/run', { input: {} }));
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('Too Many Requests');
    expect((await call('POST', 'sdxl/run', { input: {} })).status).toBe(200);
    expect(sim.requests.map((request) => request.path)).toEqual(['/v2/sdxl/run', '/v2/sdxl/run']);
  });
});

describe('RunPod webhooks', () => {
  it('POSTs the status object plus input and webhook on finish, retrying twice after non-200s', async () => {
    const received: Array<Record<string, unknown>> = [];
    let answers = [500, 503, 200];
    const receiver = createServer((request: IncomingMessage, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      request.on('end', () => {
        received.push(JSON.parse(text) as Record<string, unknown>);
        response.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=t1`;
      const { body } = await json(call('POST', 'sdxl/run', { input: { p: 1 }, webhook: hook }));
      const w = worker();
      await w.take();
      await w.post(body.id, { output: { ok: true } });
      for (let i = 0; i < 50 && received.length < 3; i += 1) await delay(20);
      expect(received).toHaveLength(3);
      expect(received[0]).toMatchObject({
        id: body.id,
        status: 'COMPLETED',
        input: { p: 1 },
        output: { ok: true },
        webhook: hook,
      });
      expect(typeof received[0]?.['executionTime']).toBe('number');
      expect(sim.runpod.webhookDeliveries.map((delivery) => delivery.status)).toEqual([500, 503, 200]);

      answers = [500, 500, 500, 500];
      const failing = await json(call('POST', 'sdxl/run', { input: {}, webhook: hook }));
      await w.take();
      await w.post(failing.body.id, { error: 'bad' });
      await delay(300);
      expect(received).toHaveLength(6);
      expect(received[5]).toMatchObject({ id: failing.body.id, status: 'FAILED', error: 'bad' });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
