import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call, downloadMp4, until } from '../testing/video-client.ts';
import { signKlingToken } from './jwt.ts';

let sim: UpstreamSim;
const ACCESS = 'ak-kling-test';
const SECRET = 'sk-kling-secret';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const auth = () => bearer(signKlingToken(ACCESS, SECRET));

beforeAll(async () => {
  sim = await startUpstreamSim({ klingKeys: { [ACCESS]: SECRET }, videoQueuedMs: 300, videoRunningMs: 150 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('Kling video API', () => {
  it('text2video: submitted → processing → succeed with task_result.videos', async () => {
    const created = await call(`${sim.url}/v1/videos/text2video`, {
      headers: auth(),
      body: {
        model_name: 'kling-v2-6',
        prompt: 'a paper boat',
        duration: '10',
        aspect_ratio: '9:16',
        external_task_id: 'mine-1',
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ code: 0, message: 'SUCCEED', data: { task_status: 'submitted' } });
    const data = created.body['data'] as Record<string, unknown>;
    const id = String(data['task_id']);
    expect(data['task_info']).toEqual({ external_task_id: 'mine-1' });

    const seen = new Set<string>();
    const done = await until(async () => {
      const { body } = await call(`${sim.url}/v1/videos/text2video/${id}`, { headers: auth() });
      const task = body['data'] as Record<string, unknown>;
      seen.add(String(task['task_status']));
      return task['task_status'] === 'succeed' ? task : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['submitted', 'processing', 'succeed']));
    const videos = (done['task_result'] as { videos: Array<{ url: string; duration: string; id: string }> })
      .videos;
    expect(videos).toHaveLength(1);
    expect(videos[0]?.duration).toBe('10');
    expect(await downloadMp4(videos[0]?.url ?? '')).toMatchObject({
      durationSeconds: 10,
      width: 720,
      height: 1280,
    });

    // The same task by its external id, and in the list.
    const byExternal = await call(`${sim.url}/v1/videos/text2video/mine-1`, { headers: auth() });
    expect((byExternal.body['data'] as Record<string, unknown>)['task_id']).toBe(id);
    const list = await call(`${sim.url}/v1/videos/text2video?pageNum=1&pageSize=10`, { headers: auth() });
    expect((list.body['data'] as unknown[]).length).toBe(1);
  });

  it('verifies the JWT like Kling: empty 1001, malformed 1002, bad signature 1000, nbf 1003, expired 1004', async () => {
    const url = `${sim.url}/v1/videos/text2video`;
    const body = { model_name: 'kling-v1', prompt: 'x' };
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, string>, number]> = [
      [{}, 1001],
      [bearer('not-a-jwt'), 1002],
      [bearer(signKlingToken(ACCESS, 'wrong-secret')), 1000],
      [bearer(signKlingToken('unknown-ak', SECRET)), 1000],
      [bearer(signKlingToken(ACCESS, SECRET, { nbf: now + 600 })), 1003],
      [bearer(signKlingToken(ACCESS, SECRET, { exp: now - 10, nbf: now - 100 })), 1004],
    ];
    for (const [headers, code] of cases) {
      const response = await call(url, { headers, body });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code });
      expect(typeof response.body['request_id']).toBe('string');
    }
  });

  it('image2video needs an image; bad parameters are code 1201; failures carry task_status_msg', async () => {
    const noImage = await call(`${sim.url}/v1/videos/image2video`, {
      headers: auth(),
      body: { model_name: 'kling-v2-6' },
    });
    expect(noImage.status).toBe(400);
    expect(noImage.body).toMatchObject({ code: 1201 });
    const badDuration = await call(`${sim.url}/v1/videos/text2video`, {
      headers: auth(),
      body: { prompt: 'x', duration: '7' },
    });
    expect(badDuration.body).toMatchObject({ code: 1201 });

    sim.videos.forceNext('fail');
    const created = await call(`${sim.url}/v1/videos/image2video`, {
      headers: auth(),
      body: { model_name: 'kling-v2-6', image: 'https://example.com/a.png' },
    });
    const id = String((created.body['data'] as Record<string, unknown>)['task_id']);
    const failed = await until(async () => {
      const task = (await call(`${sim.url}/v1/videos/image2video/${id}`, { headers: auth() })).body[
        'data'
      ] as Record<string, unknown>;
      return task['task_status'] === 'failed' ? task : undefined;
    });
    expect(String(failed['task_status_msg'])).not.toBe('');
    // An image2video task is not found under text2video.
    expect((await call(`${sim.url}/v1/videos/text2video/${id}`, { headers: auth() })).status).toBe(404);
  });
});
