import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  Hypereal,
  type ImagesResponse,
  type Job,
  type SpeechResponse,
  type TranscriptionResponse,
  type VideoJob,
} from '../src/index.ts';
import { startFlakyProxy } from './helpers/flaky-proxy.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const imagesFields = fieldsOf<ImagesResponse>()(['created', 'data']);
const speechFields = fieldsOf<SpeechResponse>()(['created', 'data', 'voice_id']);
const transcriptFields = fieldsOf<TranscriptionResponse>()(['text', 'segments', 'duration', 'language']);
const jobFields = fieldsOf<Job>()([
  'id',
  'object',
  'kind',
  'model',
  'status',
  'progress',
  'createdAt',
  'updatedAt',
  'finishedAt',
  'costCredits',
  'heldCredits',
  'outputs',
  'error',
]);
const videoJobFields = fieldsOf<VideoJob>()([...jobFields, 'jobId', 'pollUrl'] as (keyof VideoJob &
  string)[]);

/** A mono 16-bit PCM WAV of `seconds` of silence: a reference voice the gateway accepts. */
function wav(seconds: number, sampleRate = 16_000): Buffer {
  const data = Buffer.alloc(seconds * sampleRate * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe('images, audio and videos against the gateway', () => {
  let gw: SdkHarness;
  let clips: Server;
  let clipBase: string;
  beforeAll(async () => {
    gw = await startSdkHarness();
    const voice = wav(12);
    clips = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'audio/wav' }).end(voice),
    );
    await new Promise<void>((resolve) => clips.listen(0, '127.0.0.1', resolve));
    clipBase = `http://127.0.0.1:${(clips.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await gw.close();
    clips.closeAllConnections();
    await new Promise((resolve) => clips.close(resolve));
  });

  it('images.generate with a model, and by intent; the URL serves the image', async () => {
    const { sdk, user } = await gw.newUser(1000);
    const image = await sdk.images.generate({
      model: 'gemini-3-1-flash-t2i',
      prompt: 'neon portrait',
      aspect_ratio: '16:9',
    });
    expectFields(image, imagesFields);
    const url = image.data[0]!.url!;
    expect((await fetch(url)).headers.get('content-type')).toMatch(/^image\//);
    const byIntent = await sdk.images.byIntent('text-to-image-fast', { prompt: 'a fox' });
    expect(byIntent.data).toHaveLength(1);
    const viaGenerate = await sdk.images.generate({ intent: 'text-to-image-fast', prompt: 'a fox' });
    expect(viaGenerate.data).toHaveLength(1);
    await gw.harness.balancedBalance(user.id);
    const bad = await sdk.images
      .generate({ model: 'gemini-3-1-flash-t2i', prompt: 'x', aspect_ratio: '7:3' })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.param).toBe('aspect_ratio');
  });

  it('audio.speech, audio.clone (voice_id back) and audio.transcribe', async () => {
    const { sdk } = await gw.newUser(1000);
    const speech = await sdk.audio.speech({ text: 'Hello.', voice_id: 'b'.repeat(32) });
    expectFields(speech, speechFields, { optional: ['voice_id'] });
    expect((await fetch(speech.data[0]!.url)).ok).toBe(true);
    const cloned = await sdk.audio.clone({ text: 'Hello again.', audio: `${clipBase}/voice.wav` });
    expectFields(cloned, speechFields);
    expect(cloned.voice_id).toBeTruthy();
    const transcript = await sdk.audio.transcribe({ audio: `${clipBase}/voice.wav` });
    expectFields(transcript, transcriptFields, { optional: ['language'] });
    expect(typeof transcript.text).toBe('string');
  });

  it('videos.generate answers a job; generateAndWait reports progress until it succeeds', async () => {
    const { sdk, user } = await gw.newUser(1000);
    const created = await sdk.videos.generate({
      model: 'gemini_omni_flash',
      prompt: 'a paper boat',
      duration: 6,
    });
    expectFields(created, videoJobFields);
    expect(created.jobId).toBe(created.id);
    const seen: string[] = [];
    const done = await sdk.videos.generateAndWait(
      { model: 'gemini_omni_flash', prompt: 'a paper boat' },
      { onProgress: (job) => seen.push(job.status), pollInterval: 20 },
    );
    expectFields(done, jobFields);
    expect(done.status).toBe('succeeded');
    expect(done.outputs[0]!.url).toBeTruthy();
    expect(seen[0]).toBe('queued');
    expect(seen.at(-1)).toBe('succeeded');
    await sdk.jobs.wait(created.id, { pollInterval: 20 });
    await gw.harness.balancedBalance(user.id);
  });

  it('a video POST whose answer is lost is retried with the same Idempotency-Key: one job, charged once', async () => {
    const { key, user } = await gw.newUser(1000);
    const proxy = await startFlakyProxy(gw.url, ['lose-response']);
    try {
      const sdk = new Hypereal({ apiKey: key, baseURL: proxy.url, maxRetries: 2 });
      const job = await sdk.videos.generate({ model: 'gemini_omni_flash', prompt: 'once only' });
      expect(proxy.connections).toBe(2);
      const jobs = await sdk.jobs.list({ kind: 'video' });
      expect(jobs.data.map((each) => each.id)).toEqual([job.id]);
      const finished = await sdk.jobs.wait(job.id, { pollInterval: 20 });
      expect(finished.costCredits).toBe(120);
      const ledger = await gw.harness.db.all<{ kind: string }>(
        "SELECT kind FROM ledger_entries WHERE user_id = ? AND kind <> 'grant' AND kind <> 'topup'",
        [user.id],
      );
      expect(ledger.length).toBe(1);
      await gw.harness.balancedBalance(user.id);
    } finally {
      await proxy.close();
    }
  });

  it('without the SDK’s key the same lost answer would have made two jobs (the test can fail)', async () => {
    const { key } = await gw.newUser(1000);
    const proxy = await startFlakyProxy(gw.url, ['lose-response']);
    try {
      const sdk = new Hypereal({ apiKey: key, baseURL: proxy.url, maxRetries: 2 });
      // A fresh key per attempt, as a naive client would send: forced by a header per call.
      const first = await sdk.videos
        .generate(
          { model: 'gemini_omni_flash', prompt: 'twice' },
          { idempotencyKey: 'attempt-1', maxRetries: 0 },
        )
        .catch(() => null);
      expect(first).toBeNull();
      await sdk.videos.generate(
        { model: 'gemini_omni_flash', prompt: 'twice' },
        { idempotencyKey: 'attempt-2' },
      );
      expect((await sdk.jobs.list({ kind: 'video' })).data).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });
});
