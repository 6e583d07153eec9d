import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { call, downloadMp4, until } from '../testing/video-client.ts';

let sim: UpstreamSim;
const KEY = 'ark-key';
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], videoQueuedMs: 300, videoRunningMs: 150 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const tasks = () => `${sim.url}/api/v3/contents/generations/tasks`;

function create(body: unknown, headers: Record<string, string> = auth) {
  return call(tasks(), { headers, body });
}

describe('Seedance on Ark / ModelArk', () => {
  it('creates a task, moves queued → running → succeeded, and links a TOS-signed MP4', async () => {
    const created = await create({
      model: 'seedance-1-0-pro-250528',
      content: [{ type: 'text', text: 'a koi pond --ratio 1:1 --dur 4' }],
      resolution: '480p',
    });
    expect(created.status).toBe(200);
    const id = String(created.body['id']);
    expect(id).toMatch(/^cgt-\d{14}-[0-9a-f]{6}$/);

    const seen = new Set<string>();
    const done = await until(async () => {
      const { body } = await call(`${tasks()}/${id}`, { headers: auth });
      seen.add(String(body['status']));
      return body['status'] === 'succeeded' ? body : undefined;
    });
    expect([...seen]).toEqual(expect.arrayContaining(['queued', 'running', 'succeeded']));
    expect(done).toMatchObject({
      id,
      model: 'seedance-1-0-pro-250528',
      ratio: '1:1',
      duration: 4,
      resolution: '480p',
    });
    const url = String((done['content'] as Record<string, unknown>)['video_url']);
    expect(url).toContain('X-Tos-Signature=');
    expect(done['usage']).toMatchObject({ completion_tokens: Math.round((480 * 480 * 24 * 4) / 1024) });
    expect(await downloadMp4(url)).toMatchObject({ durationSeconds: 4, width: 480, height: 480 });

    const listed = await call(`${tasks()}?page_size=10&filter.status=succeeded`, { headers: auth });
    expect(listed.body).toMatchObject({ total: 1, items: [{ id }] });

    sim.expireMediaUrls();
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('cancels a queued task with DELETE, refuses a running one, deletes a finished record', async () => {
    sim.videos.setTiming({ queuedMs: 5_000 });
    const queued = String(
      (await create({ model: 'seedance-1-0-lite-t2v', content: [{ type: 'text', text: 'x' }] })).body['id'],
    );
    expect((await call(`${tasks()}/${queued}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    expect((await call(`${tasks()}/${queued}`, { headers: auth })).body['status']).toBe('cancelled');
    expect((await call(`${tasks()}/${queued}`, { method: 'DELETE', headers: auth })).status).toBe(409);

    sim.videos.setTiming({ queuedMs: 0, runningMs: 5_000 });
    const running = String(
      (await create({ model: 'seedance-1-0-lite-t2v', content: [{ type: 'text', text: 'x' }] })).body['id'],
    );
    expect((await call(`${tasks()}/${running}`, { method: 'DELETE', headers: auth })).status).toBe(409);
    expect(sim.videos.force(running, 'succeed')).toBe(true);
    expect((await call(`${tasks()}/${running}`, { headers: auth })).body['status']).toBe('succeeded');
    expect((await call(`${tasks()}/${running}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    const gone = await call(`${tasks()}/${running}`, { headers: auth });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('reports failure and moderation on the task, auth and validation errors in Ark’s envelope', async () => {
    sim.videos.setTiming({ queuedMs: 0, runningMs: 0 });
    const failed = String(
      (
        await create({
          model: 'seedance-1-0-pro',
          content: [{ type: 'text', text: 'x [[sim:video_error]]' }],
        })
      ).body['id'],
    );
    expect((await call(`${tasks()}/${failed}`, { headers: auth })).body).toMatchObject({
      status: 'failed',
      error: { code: 'InternalServiceError' },
    });
    sim.videos.forceNext('moderated');
    const blocked = String(
      (await create({ model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'x' }] })).body['id'],
    );
    expect((await call(`${tasks()}/${blocked}`, { headers: auth })).body).toMatchObject({
      status: 'failed',
      error: { code: 'OutputVideoSensitiveContentDetected' },
    });

    const unauthorized = await create(
      { model: 'seedance-1-0-pro', content: [] },
      { authorization: 'Bearer wrong' },
    );
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toMatchObject({ error: { code: 'AuthenticationError', type: 'Unauthorized' } });
    const badDuration = await create({
      model: 'seedance-1-0-pro',
      content: [{ type: 'text', text: 'x' }],
      duration: 30,
    });
    expect(badDuration.status).toBe(400);
    expect(badDuration.body).toMatchObject({ error: { code: 'InvalidParameter', param: 'duration' } });
    expect((await create({ model: 'gpt-4o', content: [{ type: 'text', text: 'x' }] })).status).toBe(404);
    // An unknown key cannot read it either.
    expect((await call(`${tasks()}/${failed}`, { headers: { authorization: 'Bearer other' } })).status).toBe(
      401,
    );
  });

  it('applies faults and records requests', async () => {
    sim.addFault({ match: { path: '/api/v3/contents/generations/tasks' }, status: 429 });
    const limited = await create({ model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'x' }] });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { type: 'TooManyRequests' } });
    expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v3/contents/generations/tasks' });
  });
});
