import { setTimeout as delay } from 'node:timers/promises';
import { readMp4Info, startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.ts';
import { UpstreamClient } from '../../upstream/http-client.ts';
import { videoVendorHttp } from '../../video/vendor-http.ts';
import { grokVideo } from './grok-video.ts';
import { kling } from './kling.ts';
import { minimaxHailuo } from './minimax-hailuo.ts';
import { seedance } from './seedance.ts';
import type { VendorTaskStatus, VideoAdapter, VideoCall, VideoCredentials, VideoJob } from './types.ts';
import { vidu } from './vidu.ts';
import { wan } from './wan.ts';

const KEY = 'video-key';
let sim: UpstreamSim;
const client = new UpstreamClient({
  connectTimeoutMs: 2_000,
  firstByteTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
});

beforeAll(async () => {
  sim = await startUpstreamSim({
    apiKeys: [KEY],
    videoQueuedMs: 40,
    videoRunningMs: 60,
    klingKeys: { 'kling-ak': 'kling-sk' },
  });
});
afterAll(async () => {
  await sim.close();
  await client.close();
});
beforeEach(() => {
  sim.reset();
  sim.videos.setTiming({ queuedMs: 40, runningMs: 60 });
});

interface Case {
  adapter: VideoAdapter;
  /** The provider's base path on the simulator (as cli/simulator-env.ts points it). */
  basePath: string;
  model: string;
  job: Partial<VideoJob>;
  credentials: VideoCredentials;
  canCancel: boolean;
}

const job = (extra: Partial<VideoJob>): VideoJob => ({
  prompt: 'a red fox running through snow',
  durationSeconds: undefined,
  aspectRatio: undefined,
  resolution: undefined,
  imageUrls: [],
  lastImageUrl: undefined,
  negativePrompt: undefined,
  seed: undefined,
  ...extra,
});

const cases: Case[] = [
  {
    adapter: seedance,
    basePath: '/api/v3',
    model: 'seedance-1-0-pro-250528',
    job: { durationSeconds: 4, aspectRatio: '16:9', resolution: '480P' },
    credentials: { apiKey: KEY },
    canCancel: true,
  },
  {
    adapter: kling,
    basePath: '',
    model: 'kling-v2-6',
    job: { durationSeconds: 10, aspectRatio: '9:16', resolution: '1080P' },
    credentials: { apiKey: undefined, accessKey: 'kling-ak', secretKey: 'kling-sk' },
    canCancel: false,
  },
  {
    adapter: minimaxHailuo,
    basePath: '/v1',
    model: 'MiniMax-Hailuo-02',
    job: { durationSeconds: 6, resolution: '768P' },
    credentials: { apiKey: KEY },
    canCancel: false,
  },
  {
    adapter: wan,
    basePath: '/api/v1',
    model: 'wan2.6',
    job: { durationSeconds: 5, aspectRatio: '16:9', resolution: '720P' },
    credentials: { apiKey: KEY },
    canCancel: true,
  },
  {
    adapter: vidu,
    basePath: '/ent/v2',
    model: 'viduq3-pro',
    job: { durationSeconds: 8, aspectRatio: '16:9', resolution: '720P' },
    credentials: { apiKey: KEY },
    canCancel: true,
  },
  {
    adapter: grokVideo,
    basePath: '/v1',
    model: 'grok-imagine-video',
    job: { durationSeconds: 6, aspectRatio: '16:9', resolution: '720P' },
    credentials: { apiKey: KEY },
    canCancel: false,
  },
];

function callFor(item: Case, extra: Partial<VideoJob> = {}, credentials = item.credentials): VideoCall {
  const provider = { name: item.adapter.id, baseUrl: sim.url + item.basePath, headers: {} };
  return {
    job: job({ ...item.job, ...extra }),
    route: { model: item.model, provider },
    http: videoVendorHttp(client, provider, item.adapter, credentials, AbortSignal.timeout(10_000)),
  };
}

/** Polls until the task settles (the simulator's tasks take ~100 ms); every state seen kept. */
async function settle(
  adapter: VideoAdapter,
  taskId: string,
  call: VideoCall,
): Promise<{ final: VendorTaskStatus; seen: string[] }> {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const status = await adapter.poll(taskId, call);
    seen.push(status.state);
    if (status.state === 'succeeded' || status.state === 'failed') return { final: status, seen };
    await delay(15);
  }
  throw new Error(`task ${taskId} never settled (${seen.slice(-3).join(', ')})`);
}

describe.each(cases)('$adapter.id against the simulator', (item) => {
  it('submit → poll until succeeded → the URL downloads an mp4 of the asked duration', async () => {
    const call = callFor(item);
    const { taskId } = await item.adapter.submit(call);
    expect(taskId).not.toBe('');
    const { final, seen } = await settle(item.adapter, taskId, call);
    expect(seen.slice(0, -1).every((state) => state === 'queued' || state === 'running')).toBe(true);
    if (final.state !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(final)}`);
    expect(final.outputs).toHaveLength(1);
    const response = await fetch(final.outputs[0]!.url);
    expect(response.status).toBe(200);
    const info = readMp4Info(new Uint8Array(await response.arrayBuffer()));
    expect(info.majorBrand).toBe('isom');
    expect(info.durationSeconds).toBe(item.job.durationSeconds);
  });

  it('a failed task is vendor_error, a moderated one is moderated', async () => {
    const failing = callFor(item, { prompt: 'a fox [[sim:video_error]]' });
    const failed = await settle(item.adapter, (await item.adapter.submit(failing)).taskId, failing);
    expect(failed.final).toMatchObject({ state: 'failed', reason: 'vendor_error' });

    const blocked = callFor(item, { prompt: 'a fox [[sim:moderated]]' });
    const moderated = await settle(item.adapter, (await item.adapter.submit(blocked)).taskId, blocked);
    expect(moderated.final).toMatchObject({ state: 'failed', reason: 'moderated' });
  });

  it.runIf(item.canCancel)('cancels a queued task: it ends failed, never succeeded', async () => {
    sim.videos.setTiming({ queuedMs: 5_000 });
    const call = callFor(item);
    const { taskId } = await item.adapter.submit(call);
    await item.adapter.cancel!(taskId, call);
    const status = await item.adapter.poll(taskId, call);
    expect(status).toMatchObject({ state: 'failed', reason: 'vendor_error' });
  });

  it.runIf(!item.canCancel)('has no cancel (the vendor cannot cancel a task)', () => {
    expect(item.adapter.cancel).toBeUndefined();
  });

  it('a wrong key is refused with a gateway error blaming the operator, not the client', async () => {
    const wrong =
      item.adapter === kling
        ? { apiKey: undefined, accessKey: 'kling-ak', secretKey: 'not-the-secret' }
        : { apiKey: 'wrong-key' };
    const error = await item.adapter.submit(callFor(item, {}, wrong)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GatewayError);
    const gatewayError = error as GatewayError;
    expect(gatewayError.status).toBeGreaterThanOrEqual(400);
    if (item.adapter !== grokVideo) expect(gatewayError.message).toMatch(/credentials|operator/);
  });
});

describe('Kling JWT', () => {
  it('is minted per call: the simulator accepts it; without keys the gateway refuses before any call', async () => {
    const item = cases[1]!;
    expect(() => kling.authHeaders({ apiKey: 'x' })).toThrow(/KLING_ACCESS_KEY/);
    const [header, payload] = kling
      .authHeaders(item.credentials)
      ['authorization']!.replace('Bearer ', '')
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: 'kling-ak' });
    expect(Number(payload!['exp']) - Number(payload!['nbf'])).toBe(1805);
  });
});
