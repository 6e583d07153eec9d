import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call, downloadMp4, until } from '../testing/video-client.ts';

let sim: UpstreamSim;
const KEY = 'mm-key';
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], videoQueuedMs: 300, videoRunningMs: 150 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('MiniMax Hailuo video', () => {
  it('task → Preparing/Queueing/Processing → Success with file_id → files/retrieve download_url', async () => {
    const created = await call(`${sim.url}/v1/video_generation`, {
      headers: auth,
      body: { model: 'MiniMax-Hailuo-02', prompt: 'a cat surfing', duration: 10, resolution: '768P' },
    });
    expect(created.body).toMatchObject({ base_resp: { status_code: 0, status_msg: 'success' } });
    const taskId = String(created.body['task_id']);
    expect(taskId).toMatch(/^\d+$/);
    const seen = new Set<string>();
    const done = await until(async () => {
      const { body } = await call(`${sim.url}/v1/query/video_generation?task_id=${taskId}`, {
        headers: auth,
      });
      seen.add(String(body['status']));
      return body['status'] === 'Success' ? body : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['Processing', 'Success']));
    expect([...seen].some((status) => status === 'Preparing' || status === 'Queueing')).toBe(true);
    expect(done).toMatchObject({ task_id: taskId, video_width: 1366, video_height: 768 });
    const file = await call(`${sim.url}/v1/files/retrieve?file_id=${String(done['file_id'])}`, {
      headers: auth,
    });
    const entity = file.body['file'] as Record<string, unknown>;
    expect(entity).toMatchObject({
      file_id: Number(done['file_id']),
      filename: 'output_aigc.mp4',
      purpose: 'video_generation',
    });
    const url = String(entity['download_url']);
    expect(url).toContain('OSSAccessKeyId=');
    expect(await downloadMp4(url)).toMatchObject({ durationSeconds: 10, height: 768 });
    sim.expireMediaUrls();
    expect((await fetch(url)).status).toBe(403);
  });

  it('answers errors with HTTP 200 and base_resp codes: 1004 auth, 2013 params, 1027 moderated output', async () => {
    const noKey = await call(`${sim.url}/v1/video_generation`, {
      body: { model: 'MiniMax-Hailuo-02', prompt: 'x' },
    });
    expect(noKey.status).toBe(200);
    expect(noKey.body).toMatchObject({ base_resp: { status_code: 1004 } });
    const badRes = await call(`${sim.url}/v1/video_generation`, {
      headers: auth,
      body: { model: 'MiniMax-Hailuo-02', prompt: 'x', duration: 10, resolution: '1080P' },
    });
    expect(badRes.body).toMatchObject({ base_resp: { status_code: 2013 } });
    sim.videos.setTiming({ queuedMs: 0, runningMs: 0 });
    const blocked = await call(`${sim.url}/v1/video_generation`, {
      headers: auth,
      body: { model: 'MiniMax-Hailuo-2.3', prompt: 'x [[sim:moderated]]' },
    });
    const polled = await call(
      `${sim.url}/v1/query/video_generation?task_id=${String(blocked.body['task_id'])}`,
      { headers: auth },
    );
    expect(polled.body).toMatchObject({ status: 'Fail', base_resp: { status_code: 1027 } });
  });
});
