import { readPngInfo, runpodWorkerEnv, startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from './worker-loop.ts';

const KEY = 'rp-worker-key';
let sim: UpstreamSim;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  sim = await startUpstreamSim({
    apiKeys: [KEY],
    runpodPingIntervalMs: 250,
    runpodTakeWaitMs: 200,
    runpodStopWaitMs: 200,
  });
});
afterAll(async () => {
  for (const worker of workers) worker.kill();
  await sim.close();
});

async function call(endpoint: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sim.url}/v2/${endpoint}/${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function finished(endpoint: string, id: string): Promise<Record<string, unknown>> {
  for (let tries = 0; tries < 500; tries += 1) {
    const status = await call(endpoint, 'GET', `status/${id}`);
    if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(String(status['status']))) return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${id} never finished`);
}

describe('the shipped worker against the RunPod simulator', () => {
  it('runs a job submitted at the RunPod job API from the env RunPod injects', async () => {
    const worker = await startWorker({
      env: runpodWorkerEnv(sim.url, { endpointId: 'sdxl', apiKey: KEY, pingIntervalMs: 250 }),
      pollIntervalMs: 20,
    });
    workers.push(worker);
    const { id } = (await call('sdxl', 'POST', 'run', {
      input: { prompt: 'on runpod', width: 48, height: 32 },
    })) as { id: string };
    const status = await finished('sdxl', id);
    expect(status['status']).toBe('COMPLETED');
    const image = (status['output'] as { images: { data: string }[] }).images[0]!;
    expect(readPngInfo(Buffer.from(image.data, 'base64'))).toMatchObject({ width: 48, height: 32 });
    expect(status['executionTime']).toEqual(expect.any(Number));
  });

  it('stops a cancelled job through the stop channel', async () => {
    const worker = await startWorker({
      env: runpodWorkerEnv(sim.url, { endpointId: 'wan-video', apiKey: KEY, pingIntervalMs: 250 }),
      pollIntervalMs: 20,
    });
    workers.push(worker);
    const { id } = (await call('wan-video', 'POST', 'run', {
      input: { prompt: 'long', seconds: 10, fps: 10, width: 16, height: 16 },
    })) as {
      id: string;
    };
    for (let tries = 0; tries < 250 && worker.currentJobId !== id; tries += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker.currentJobId).toBe(id);
    await call('wan-video', 'POST', `cancel/${id}`);
    for (let tries = 0; tries < 250 && worker.currentJobId === id; tries += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker.currentJobId).toBeUndefined();
    expect((await call('wan-video', 'GET', `status/${id}`))['status']).toBe('CANCELLED');
  });
});
