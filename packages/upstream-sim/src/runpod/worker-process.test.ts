import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { runpodWorkerEnv } from './index.ts';

const KEY = 'rp-process-key';
let sim: UpstreamSim;

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], runpodPingIntervalMs: 250, runpodTakeWaitMs: 200 });
});
afterAll(() => sim.close());

/**
 * A separate worker process that knows nothing but the environment RunPod injects, reading it the way
 * runpod-python does (`$ID` substitution, `&job_in_progress=`, `&isStream=false`, a JSON string
 * labelled form-urlencoded, raw-key pings with `job_id`). It answers `{echo: input}` after `input.ms`.
 */
const WORKER = `
const env = process.env;
const auth = { authorization: env.RUNPOD_AI_API_KEY };
const running = new Set();
setInterval(() => {
  const url = new URL(env.RUNPOD_WEBHOOK_PING);
  url.searchParams.set('job_id', [...running].join(','));
  fetch(url, { headers: auth }).catch(() => {});
}, Number(env.RUNPOD_PING_INTERVAL));
for (;;) {
  const take = env.RUNPOD_WEBHOOK_GET_JOB.replace('$ID', env.RUNPOD_POD_ID) + '&job_in_progress=' + (running.size ? 1 : 0);
  const response = await fetch(take, { headers: auth });
  if (response.status !== 200) continue;
  const job = await response.json();
  running.add(job.id);
  await new Promise((resolve) => setTimeout(resolve, job.input.ms ?? 0));
  await fetch(env.RUNPOD_WEBHOOK_POST_OUTPUT.replace('$ID', job.id) + '&isStream=false', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: JSON.stringify({ output: { echo: job.input, by: env.RUNPOD_POD_ID } }),
  });
  running.delete(job.id);
}
`;

function startWorker(workerId: string): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', WORKER], {
    env: {
      ...process.env,
      ...runpodWorkerEnv(sim.url, { endpointId: 'sdxl', apiKey: KEY, workerId, pingIntervalMs: 250 }),
    },
    stdio: 'ignore',
  });
}

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}/v2/sdxl/${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function settle(id: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const job = await call('GET', `status/${id}`);
    if (!['IN_QUEUE', 'IN_PROGRESS'].includes(String(job['status']))) return job;
    await delay(25);
  }
  throw new Error('job never settled');
}

describe('a worker process against the sim', () => {
  it('runs submitted jobs; killed mid-job, its job goes back to the queue; a new process serves the next', async () => {
    const first = startWorker('worker-a');
    try {
      const quick = await call('POST', 'run', { input: { ms: 0, n: 1 } });
      expect(await settle(String(quick['id']))).toMatchObject({
        status: 'COMPLETED',
        output: { echo: { ms: 0, n: 1 }, by: 'worker-a' },
      });

      const slow = await call('POST', 'run', { input: { ms: 60_000 } });
      for (
        let i = 0;
        i < 100 && (await call('GET', `status/${String(slow['id'])}`))['status'] !== 'IN_PROGRESS';
        i += 1
      ) {
        await delay(20);
      }
      first.kill('SIGKILL');
      await delay(1200);
      expect((await call('GET', `status/${String(slow['id'])}`))['status']).toBe('IN_QUEUE');
      expect(((await call('GET', 'health'))['jobs'] as Record<string, number>)['retried']).toBe(1);
      await call('POST', `cancel/${String(slow['id'])}`);
    } finally {
      first.kill('SIGKILL');
    }
    const second = startWorker('worker-b');
    try {
      const next = await call('POST', 'run', { input: { ms: 10 } });
      expect(await settle(String(next['id']))).toMatchObject({
        status: 'COMPLETED',
        output: { by: 'worker-b' },
      });
    } finally {
      second.kill('SIGKILL');
    }
  });
});
