import runpodSdk from 'runpod-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { runpodWorkerEnv } from './index.ts';
import { testWorker } from './test-worker.ts';

const KEY = 'rp-sdk-key';
let sim: UpstreamSim;

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], runpodTakeWaitMs: 500 });
});
afterAll(() => sim.close());

/** The official JS SDK (`runpod-sdk`, runpod/js-sdk) pointed at the sim through its `baseUrl` option. */
function endpoint(id: string) {
  const found = runpodSdk(KEY, { baseUrl: `${sim.url}/v2` }).endpoint(id);
  if (!found) throw new Error('no endpoint');
  return found;
}

describe('runpod-sdk against the sim', () => {
  it('run, status, health, cancel and purgeQueue speak the SDK’s shapes', async () => {
    const sdxl = endpoint('sdxl');
    const worker = testWorker(runpodWorkerEnv(sim.url, { endpointId: 'sdxl', apiKey: KEY }));
    const submitted = await sdxl.run({ input: { prompt: 'sdk' } });
    expect(submitted).toMatchObject({ status: 'IN_QUEUE' });
    const queued = await sdxl.status(submitted.id);
    expect(queued).toMatchObject({ id: submitted.id, status: 'IN_QUEUE', completed: false });

    const taken = await worker.take();
    await worker.post(taken.job?.id ?? '', { output: { images: [] } });
    const done = await sdxl.status(submitted.id);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      completed: true,
      succeeded: true,
      output: { images: [] },
    });

    const health = await sdxl.health();
    expect(health.jobs.completed).toBe(1);
    expect(health.workers).toMatchObject({ idle: 1, running: 0 });

    const second = await sdxl.run({ input: {} });
    expect(await sdxl.cancel(second.id)).toMatchObject({ id: second.id, status: 'CANCELLED' });
    await sdxl.run({ input: {} });
    expect(await sdxl.purgeQueue()).toEqual({ removed: 1, status: 'completed' });
  });

  it('runSync (runsync, then status-sync) returns the finished job', async () => {
    const wan = endpoint('wan-video');
    const worker = testWorker(runpodWorkerEnv(sim.url, { endpointId: 'wan-video', apiKey: KEY }));
    const serving = (async () => {
      const taken = await worker.take();
      await worker.post(taken.job?.id ?? '', { output: { videos: [{ seconds: 1 }] } });
    })();
    const result = await wan.runSync({ input: { seconds: 1 } }, 5000);
    await serving;
    expect(result).toMatchObject({ status: 'COMPLETED', output: { videos: [{ seconds: 1 }] } });
    expect(result.id).toMatch(/^sync-/);
  });
});
