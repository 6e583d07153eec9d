import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPngInfo } from '../images/png.ts';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';

let sim: UpstreamSim;
const KEY = 'bfl-test-key';

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY], bflPendingMs: 300 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

function submit(model: string, body: unknown, key: string | null = KEY): Promise<Response> {
  return fetch(`${sim.url}/v1/${model}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(key ? { 'x-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
}

interface Submitted {
  id: string;
  polling_url: string;
  cost: number;
  input_mp: number;
  output_mp: number;
}

interface Polled {
  id: string;
  status: string;
  result: { sample: string; prompt: string; seed: number } | null;
  progress: number | null;
  details: Record<string, unknown> | null;
}

async function poll(url: string, key = KEY): Promise<{ status: number; body: Polled }> {
  const response = await fetch(url, { headers: { 'x-key': key } });
  return { status: response.status, body: (await response.json()) as Polled };
}

/** Polls like the docs' sample client: every 20 ms until the status is no longer Pending. */
async function settle(url: string): Promise<Polled> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { body } = await poll(url);
    if (body.status !== 'Pending') return body;
    await delay(20);
  }
  throw new Error('task never settled');
}

describe('BFL FLUX: submit, poll, download', () => {
  it('answers a task id and polling URL, stays Pending for a while, then Ready with a signed sample', async () => {
    const response = await submit('flux-2-pro', {
      prompt: 'a red fox in snow',
      width: 1280,
      height: 720,
      seed: 42,
    });
    expect(response.status).toBe(200);
    const task = (await response.json()) as Submitted;
    expect(task.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(task.polling_url).toBe(`${sim.url}/v1/get_result?id=${task.id}`);
    expect(task.cost).toBeGreaterThan(0);
    expect(task.output_mp).toBeCloseTo(0.92, 2);

    const pending = await poll(task.polling_url);
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ id: task.id, status: 'Pending', result: null });
    expect(pending.body.progress).toBeGreaterThanOrEqual(0);

    const ready = await settle(task.polling_url);
    expect(ready.status).toBe('Ready');
    expect(ready.result).toMatchObject({ prompt: 'a red fox in snow', seed: 42 });
    const sample = new URL(ready.result?.sample ?? '');
    expect(sample.searchParams.get('sig')).toBeTruthy();
    const expiry = Date.parse(sample.searchParams.get('se') ?? '');
    // Samples expire after 10 minutes.
    expect(expiry - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(expiry - Date.now()).toBeLessThanOrEqual(10 * 60_000);

    const image = await fetch(sample);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(readPngInfo(new Uint8Array(await image.arrayBuffer()))).toMatchObject({
      width: 1280,
      height: 720,
    });
    // Polling again hands out the same link.
    expect((await settle(task.polling_url)).result?.sample).toBe(ready.result?.sample);
  });

  it('Kontext sizes by aspect_ratio and records input_image references without fetching them', async () => {
    const response = await submit('flux-kontext-pro', {
      prompt: 'make it night',
      input_image: 'https://example.com/photo.jpg',
      input_image_2: 'iVBORw0KGgo=',
      aspect_ratio: '16:9',
    });
    const task = (await response.json()) as Submitted;
    const ready = await settle(task.polling_url);
    const image = readPngInfo(new Uint8Array(await (await fetch(ready.result?.sample ?? '')).arrayBuffer()));
    expect(image.width / image.height).toBeCloseTo(16 / 9, 1);
    expect(image.width * image.height).toBeGreaterThan(0.9 * 1024 * 1024);
    expect(sim.requests[0]?.body).toMatchObject({ input_image: 'https://example.com/photo.jpg' });
    expect(sim.requests.some((request) => request.path.includes('example.com'))).toBe(false);
  });

  it('the same prompt and seed give the same picture', async () => {
    const bytes = async (): Promise<Buffer> => {
      const task = (await (await submit('flux-2-flex', { prompt: 'same', seed: 7 })).json()) as Submitted;
      const ready = await settle(task.polling_url);
      return Buffer.from(await (await fetch(ready.result?.sample ?? '')).arrayBuffer());
    };
    expect((await bytes()).equals(await bytes())).toBe(true);
  });
});

describe('BFL: expiring delivery URLs', () => {
  it('force-expired samples answer 403 (in process and over the control API)', async () => {
    const task = (await (await submit('flux-2-pro', { prompt: 'keep me' })).json()) as Submitted;
    const ready = await settle(task.polling_url);
    const sample = ready.result?.sample ?? '';
    expect((await fetch(sample)).status).toBe(200);
    const control = await fetch(`${sim.url}/__sim/image-urls/expire`, { method: 'POST' });
    expect(await control.json()).toEqual({ ok: true, expired: 1 });
    const expired = await fetch(sample);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('content-type')).toBe('application/xml');
    const text = await expired.text();
    expect(text).toContain('<Code>AuthenticationFailed</Code>');
    expect(text).toContain('Signed expiry time');
  });

  it('a tampered signature is refused; a short TTL option expires on its own', async () => {
    const quick = await startUpstreamSim({ bflPendingMs: 0, imageUrlTtlMs: 50 });
    try {
      const task = (await (
        await fetch(`${quick.url}/v1/flux-kontext-max`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-key': 'any' },
          body: JSON.stringify({ prompt: 'fleeting' }),
        })
      ).json()) as Submitted;
      const polled = (await (
        await fetch(task.polling_url, { headers: { 'x-key': 'any' } })
      ).json()) as Polled;
      const sample = new URL(polled.result?.sample ?? '');
      const tampered = new URL(sample);
      tampered.searchParams.set('sig', 'forged');
      expect((await fetch(tampered)).status).toBe(403);
      expect((await fetch(sample)).status).toBe(200);
      await delay(80);
      expect((await fetch(sample)).status).toBe(403);
    } finally {
      await quick.close();
    }
  });
});

describe('BFL: moderation, failures and errors', () => {
  it('moderated and failed tasks settle with result null and reasons in details', async () => {
    const cases: Array<[string, string]> = [
      ['x [[sim:moderated]]', 'Request Moderated'],
      ['x [[sim:moderated=output]]', 'Content Moderated'],
      ['x [[sim:image_error]]', 'Error'],
    ];
    for (const [prompt, status] of cases) {
      const task = (await (await submit('flux-2-pro', { prompt })).json()) as Submitted;
      const settled = await settle(task.polling_url);
      expect(settled.status).toBe(status);
      expect(settled.result).toBeNull();
      expect(settled.details).toBeTruthy();
    }
  });

  it('reset forgets tasks and their images', async () => {
    const task = (await (await submit('flux-2-pro', { prompt: 'forget me' })).json()) as Submitted;
    const sample = (await settle(task.polling_url)).result?.sample ?? '';
    sim.reset();
    expect((await poll(task.polling_url)).body.status).toBe('Task not found');
    expect((await fetch(sample)).status).toBe(404);
  });

  it('unknown task ids are Task not found', async () => {
    const { status, body } = await poll(`${sim.url}/v1/get_result?id=00000000-0000-0000-0000-000000000000`);
    expect(status).toBe(404);
    expect(body.status).toBe('Task not found');
  });

  it('x-key is required and checked (403), also when polling', async () => {
    const missing = await submit('flux-2-pro', { prompt: 'x' }, null);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ detail: 'Not authenticated' });
    const wrong = await submit('flux-2-pro', { prompt: 'x' }, 'wrong');
    expect(wrong.status).toBe(403);
    const task = (await (await submit('flux-2-pro', { prompt: 'x' })).json()) as Submitted;
    expect((await poll(task.polling_url, 'wrong')).status).toBe(403);
    // Every attempt reached the simulator and was recorded, refused or not.
    expect(sim.requests.map((request) => request.headers['x-key'])).toEqual([
      undefined,
      'wrong',
      KEY,
      'wrong',
    ]);
  });

  it('validation problems come back as a 422 detail list, all at once', async () => {
    const response = await submit('flux-2-pro', {
      width: 1000,
      height: 32,
      output_format: 'gif',
      safety_tolerance: 9,
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { detail: Array<{ loc: string[]; type: string; msg: string }> };
    expect(body.detail.map((problem) => problem.loc.join('.'))).toEqual([
      'body.prompt',
      'body.width',
      'body.height',
      'body.output_format',
      'body.safety_tolerance',
    ]);
    expect(body.detail[0]).toMatchObject({ type: 'missing', msg: 'Field required' });
    const ratio = await submit('flux-kontext-pro', { prompt: 'x', aspect_ratio: '4:1' });
    expect(ratio.status).toBe(422);
  });

  it('unknown models are 404 Not Found', async () => {
    const response = await submit('flux-9-hyper', { prompt: 'x' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: 'Not Found' });
  });

  it('latency and hang faults apply to polling, and an abandoned poll is recorded as aborted', async () => {
    const task = (await (await submit('flux-2-pro', { prompt: 'slow' })).json()) as Submitted;
    sim.addFault({ match: { path: '/v1/get_result' }, latencyMs: 150 });
    const started = performance.now();
    expect((await poll(task.polling_url)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    sim.addFault({ match: { path: '/v1/get_result' }, hang: true });
    const hung = await fetch(task.polling_url, {
      headers: { 'x-key': KEY },
      signal: AbortSignal.timeout(100),
    }).then(
      () => 'answered',
      () => 'gave up',
    );
    expect(hung).toBe('gave up');
    await delay(50);
    expect(sim.requests.at(-1)).toMatchObject({ path: '/v1/get_result', aborted: true, completed: false });
  });

  it('status faults answer in the FastAPI shape', async () => {
    sim.addFault({ status: 429, match: { model: 'flux-2-pro' } });
    const limited = await submit('flux-2-pro', { prompt: 'x' });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { detail: string }).detail).toContain('concurrent');
    sim.addFault({ status: 402, match: { path: '/v1/flux-2-pro' } });
    expect((await submit('flux-2-pro', { prompt: 'x' })).status).toBe(402);
    expect((await submit('flux-2-pro', { prompt: 'x' })).status).toBe(200);
  });
});
