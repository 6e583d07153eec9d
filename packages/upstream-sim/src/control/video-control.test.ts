import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call } from '../testing/video-client.ts';

let sim: UpstreamSim;
const auth = { authorization: 'Bearer any-key' };

beforeAll(async () => {
  sim = await startUpstreamSim({ videoQueuedMs: 0, videoRunningMs: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function xaiTask(): Promise<string> {
  const created = await call(`${sim.url}/v1/videos/generations`, { headers: auth, body: { prompt: 'x' } });
  return String(created.body['request_id']);
}

const poll = (id: string) => call(`${sim.url}/v1/videos/${id}`, { headers: auth });

describe('/__sim/video control endpoints (out-of-process scripting of video tasks)', () => {
  it('timing, forced next outcomes, forcing one task and expiring links', async () => {
    expect(
      (await call(`${sim.url}/__sim/video/timing`, { body: { queuedMs: 0, runningMs: 60_000 } })).status,
    ).toBe(200);
    const running = await xaiTask();
    expect((await poll(running)).status).toBe(202);
    expect(
      (await call(`${sim.url}/__sim/video/tasks/${running}`, { body: { outcome: 'succeed' } })).status,
    ).toBe(200);
    const done = await poll(running);
    expect(done.body).toMatchObject({ status: 'done' });

    expect((await call(`${sim.url}/__sim/video/next`, { body: { outcome: 'fail', times: 2 } })).status).toBe(
      200,
    );
    expect((await call(`${sim.url}/__sim/video/timing`, { body: { runningMs: 0 } })).status).toBe(200);
    for (const id of [await xaiTask(), await xaiTask()])
      expect((await poll(id)).body['status']).toBe('failed');
    expect((await poll(await xaiTask())).body['status']).toBe('done');

    const url = String((done.body['video'] as Record<string, unknown>)['url']);
    expect((await fetch(url)).status).toBe(200);
    const expired = await call(`${sim.url}/__sim/media-urls/expire`, { method: 'POST' });
    expect(expired.body).toMatchObject({ ok: true });
    expect((await fetch(url)).status).toBe(403);
  });

  it('rejects bad control bodies and unknown tasks', async () => {
    expect((await call(`${sim.url}/__sim/video/next`, { body: { outcome: 'explode' } })).status).toBe(400);
    expect((await call(`${sim.url}/__sim/video/timing`, { body: { queuedMs: -1 } })).status).toBe(400);
    expect((await call(`${sim.url}/__sim/video/tasks/nope`, { body: { outcome: 'fail' } })).status).toBe(404);
  });
});
