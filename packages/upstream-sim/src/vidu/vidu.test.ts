import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPngInfo } from '../images/png.ts';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call, downloadMp4, until } from '../testing/video-client.ts';

let sim: UpstreamSim;
const KEY = 'vda_key';
const auth = { authorization: `Token ${KEY}` };

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], videoQueuedMs: 300, videoRunningMs: 150 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('Vidu API', () => {
  it('text2video → created; creations go queueing → processing → success with url and cover_url', async () => {
    const created = await call(`${sim.url}/ent/v2/text2video`, {
      headers: auth,
      body: {
        model: 'viduq3-pro',
        prompt: 'a glass whale',
        duration: 12,
        aspect_ratio: '1:1',
        resolution: '540p',
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      state: 'created',
      model: 'viduq3-pro',
      duration: 12,
      aspect_ratio: '1:1',
    });
    const id = String(created.body['task_id']);
    const seen = new Set<string>();
    const done = await until(async () => {
      const { body } = await call(`${sim.url}/ent/v2/tasks/${id}/creations`, { headers: auth });
      seen.add(String(body['state']));
      return body['state'] === 'success' ? body : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['queueing', 'processing', 'success']));
    const [creation] = done['creations'] as Array<{ url: string; cover_url: string }>;
    expect(creation?.url).toContain('Key-Pair-Id=');
    expect(await downloadMp4(creation?.url ?? '')).toMatchObject({
      durationSeconds: 12,
      width: 540,
      height: 540,
    });
    const cover = await fetch(creation?.cover_url ?? '');
    expect(readPngInfo(new Uint8Array(await cover.arrayBuffer()))).toMatchObject({ width: 540, height: 540 });
    sim.expireMediaUrls();
    expect((await fetch(creation?.url ?? '')).status).toBe(403);
  });

  it('wants `Token`, not `Bearer`; validates in its {code, reason, message} envelope; cancels before processing', async () => {
    const bearer = await call(`${sim.url}/ent/v2/text2video`, {
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'viduq2', prompt: 'x' },
    });
    expect(bearer.status).toBe(401);
    expect(bearer.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
    const twoImages = await call(`${sim.url}/ent/v2/img2video`, {
      headers: auth,
      body: { model: 'viduq2', images: ['https://a/1.png', 'https://a/2.png'] },
    });
    expect(twoImages.status).toBe(400);
    expect(twoImages.body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((twoImages.body['metadata'] as Record<string, unknown>)['trace_id']).toBeTruthy();

    sim.videos.setTiming({ queuedMs: 5_000 });
    const queued = String(
      (await call(`${sim.url}/ent/v2/text2video`, { headers: auth, body: { model: 'viduq2', prompt: 'x' } }))
        .body['task_id'],
    );
    expect(
      (await call(`${sim.url}/ent/v2/tasks/${queued}/cancel`, { headers: auth, body: { id: queued } })).body,
    ).toEqual({});
    sim.videos.setTiming({ queuedMs: 0, runningMs: 5_000 });
    const running = String(
      (await call(`${sim.url}/ent/v2/text2video`, { headers: auth, body: { model: 'viduq2', prompt: 'x' } }))
        .body['task_id'],
    );
    const refused = await call(`${sim.url}/ent/v2/tasks/${running}/cancel`, {
      headers: auth,
      body: { id: running },
    });
    expect(refused.status).toBe(400);
    expect(refused.body['message']).toBe('task state is processing, can not cancel');
  });

  it('a failed task has state failed and an err_code', async () => {
    sim.videos.setTiming({ queuedMs: 0, runningMs: 0 });
    const id = String(
      (
        await call(`${sim.url}/ent/v2/text2video`, {
          headers: auth,
          body: { model: 'viduq1', prompt: 'x [[sim:video_error]]' },
        })
      ).body['task_id'],
    );
    const polled = await call(`${sim.url}/ent/v2/tasks/${id}/creations`, { headers: auth });
    expect(polled.body).toMatchObject({ state: 'failed', creations: [] });
    expect(polled.body['err_code']).not.toBe('');
  });
});
