import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call, downloadMp4, until } from '../testing/video-client.ts';

let sim: UpstreamSim;
const KEY = 'sk-dashscope';
const auth = { authorization: `Bearer ${KEY}` };
const async = { ...auth, 'x-dashscope-async': 'enable' };

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], videoQueuedMs: 300, videoRunningMs: 150 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const synthesis = () => `${sim.url}/api/v1/services/aigc/video-generation/video-synthesis`;

describe('DashScope Wan video', () => {
  it('refuses a synchronous call; async task PENDING → RUNNING → SUCCEEDED with video_url and usage', async () => {
    const body = {
      model: 'wan2.6-t2v',
      input: { prompt: 'a red kite' },
      parameters: { size: '720*1280', duration: 10 },
    };
    const sync = await call(synthesis(), { headers: auth, body });
    expect(sync.status).toBe(403);
    expect(sync.body).toMatchObject({
      code: 'AccessDenied',
      message: 'current user api does not support synchronous calls',
    });

    const created = await call(synthesis(), { headers: async, body });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ output: { task_status: 'PENDING' } });
    const id = String((created.body['output'] as Record<string, unknown>)['task_id']);
    const seen = new Set<string>();
    const done = await until(async () => {
      const { body: polled } = await call(`${sim.url}/api/v1/tasks/${id}`, { headers: auth });
      const output = polled['output'] as Record<string, unknown>;
      seen.add(String(output['task_status']));
      return output['task_status'] === 'SUCCEEDED' ? polled : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['PENDING', 'RUNNING', 'SUCCEEDED']));
    expect(done['usage']).toMatchObject({ duration: 10, video_count: 1, SR: 720 });
    const output = done['output'] as Record<string, unknown>;
    expect(output['submit_time']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(await downloadMp4(String(output['video_url']))).toMatchObject({
      durationSeconds: 10,
      width: 720,
      height: 1280,
    });
  });

  it('cancels only while PENDING; unknown tasks are UNKNOWN; errors are {request_id, code, message}', async () => {
    sim.videos.setTiming({ queuedMs: 5_000 });
    const created = await call(synthesis(), {
      headers: async,
      body: { model: 'wan2.6-t2v', input: { prompt: 'x' } },
    });
    const id = String((created.body['output'] as Record<string, unknown>)['task_id']);
    expect(
      (await call(`${sim.url}/api/v1/tasks/${id}/cancel`, { headers: auth, method: 'POST' })).status,
    ).toBe(200);
    const cancelled = await call(`${sim.url}/api/v1/tasks/${id}`, { headers: auth });
    expect(cancelled.body).toMatchObject({ output: { task_status: 'CANCELED' } });
    const again = await call(`${sim.url}/api/v1/tasks/${id}/cancel`, { headers: auth, method: 'POST' });
    expect(again.body).toMatchObject({ code: 'UnsupportedOperation' });

    const unknown = await call(`${sim.url}/api/v1/tasks/00000000-0000-0000-0000-000000000000`, {
      headers: auth,
    });
    expect(unknown.body).toMatchObject({ output: { task_status: 'UNKNOWN' } });
    const badKey = await call(`${sim.url}/api/v1/tasks/${id}`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(badKey.status).toBe(401);
    expect(badKey.body).toMatchObject({ code: 'InvalidApiKey', message: 'Invalid API-key provided.' });
    expect(typeof badKey.body['request_id']).toBe('string');
    const badSize = await call(synthesis(), {
      headers: async,
      body: { model: 'wan2.6-t2v', input: { prompt: 'x' }, parameters: { size: '1280x720' } },
    });
    expect(badSize.status).toBe(400);
    expect(badSize.body).toMatchObject({ code: 'InvalidParameter' });
    const noImage = await call(synthesis(), {
      headers: async,
      body: { model: 'wan2.6-i2v', input: { prompt: 'x' } },
    });
    expect(noImage.body).toMatchObject({
      code: 'InvalidParameter',
      message: 'Field required: input.img_url',
    });
  });

  it('a task forced to be moderated while running ends FAILED with output.code', async () => {
    sim.videos.setTiming({ queuedMs: 0, runningMs: 5_000 });
    const created = await call(synthesis(), {
      headers: async,
      body: {
        model: 'wan2.6-i2v',
        input: { img_url: 'https://example.com/a.png' },
        parameters: { resolution: '1080P' },
      },
    });
    const id = String((created.body['output'] as Record<string, unknown>)['task_id']);
    expect((await call(`${sim.url}/api/v1/tasks/${id}`, { headers: auth })).body).toMatchObject({
      output: { task_status: 'RUNNING' },
    });
    expect(sim.videos.force(id, 'moderated')).toBe(true);
    expect((await call(`${sim.url}/api/v1/tasks/${id}`, { headers: auth })).body).toMatchObject({
      output: { task_status: 'FAILED', code: 'DataInspectionFailed' },
    });
  });
});
