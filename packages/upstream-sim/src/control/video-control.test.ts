import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signKlingToken } from '../kling/jwt.ts';
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

describe('faults on every media vendor answer in that vendor’s envelope', () => {
  const vendors: Array<{
    name: string;
    path: string;
    headers: () => Record<string, string>;
    envelope: unknown;
  }> = [
    {
      name: 'Veo',
      path: '/v1beta/models/veo-3.1-generate-preview:predictLongRunning',
      headers: () => ({ 'x-goog-api-key': 'k' }),
      envelope: { error: { code: 503, status: 'UNAVAILABLE' } },
    },
    {
      name: 'Seedance',
      path: '/api/v3/contents/generations/tasks',
      headers: () => auth,
      envelope: { error: { code: 'ServiceUnavailable' } },
    },
    {
      name: 'Kling',
      path: '/v1/videos/text2video',
      headers: () => ({ authorization: `Bearer ${signKlingToken('ak', 'ak')}` }),
      envelope: { code: 5001 },
    },
    {
      name: 'MiniMax',
      path: '/v1/video_generation',
      headers: () => auth,
      envelope: { base_resp: { status_code: 1000 } },
    },
    {
      name: 'DashScope',
      path: '/api/v1/services/aigc/video-generation/video-synthesis',
      headers: () => auth,
      envelope: { code: 'ServiceUnavailable' },
    },
    {
      name: 'Vidu',
      path: '/ent/v2/text2video',
      headers: () => ({ authorization: 'Token k' }),
      envelope: { code: 503, reason: 'ServiceUnavailable' },
    },
    {
      name: 'xAI',
      path: '/v1/videos/generations',
      headers: () => auth,
      envelope: { code: 'Internal error' },
    },
    {
      name: 'Fish Audio',
      path: '/v1/tts',
      headers: () => auth,
      envelope: { status: 503, message: 'Service Unavailable' },
    },
  ];
  for (const vendor of vendors) {
    it(`${vendor.name}: a 503 fault, recorded`, async () => {
      sim.addFault({ match: { path: vendor.path }, status: 503 });
      const response = await call(`${sim.url}${vendor.path}`, {
        headers: vendor.headers(),
        body: { prompt: 'x' },
      });
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject(vendor.envelope as Record<string, unknown>);
      expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', path: vendor.path, body: { prompt: 'x' } });
    });
  }
});
