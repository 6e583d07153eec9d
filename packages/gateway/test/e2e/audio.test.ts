import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../src/billing/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

/** A mono 16-bit PCM WAV of `seconds` (a quiet 220 Hz tone), as a user's recording would be. */
function wav(seconds: number, sampleRate = 16_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 220 * index) / sampleRate) * 3000), index * 2);
  }
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

const clips: Record<string, Buffer> = {
  '/voice-30s.wav': wav(30),
  '/voice-30s-again.wav': wav(30),
  '/other-voice-12s.wav': wav(12, 22_050),
  '/short-4s.wav': wav(4),
  '/recording.wav': wav(6),
};

const secondsOf = async (bytes: Buffer) =>
  (await parseBuffer(bytes, undefined, { duration: true })).format.duration;

describe('POST /v1/audio/generations (Fish Audio)', () => {
  let harness: Harness;
  let user: TestUser;
  let clipServer: Server;
  let clipBase: string;
  /** Listens on 127.0.0.2, which the operator did not allowlist: nothing may ever connect. */
  let trap: Server;
  let trapUrl: string;
  let trapConnections = 0;

  beforeAll(async () => {
    clipServer = createServer((request, response) => {
      const clip = clips[request.url ?? ''];
      if (request.url === '/page.html') {
        response.writeHead(200, { 'content-type': 'audio/mpeg' }).end('<html>not audio</html>');
      } else if (clip) response.writeHead(200, { 'content-type': 'audio/wav' }).end(clip);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => clipServer.listen(0, '127.0.0.1', resolve));
    clipBase = `http://127.0.0.1:${(clipServer.address() as AddressInfo).port}`;
    trap = createServer((_request, response) => response.writeHead(200).end(clips['/voice-30s.wav']));
    trap.on('connection', (_socket: Socket) => {
      trapConnections++;
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
    trapUrl = `http://127.0.0.2:${(trap.address() as AddressInfo).port}/voice-30s.wav`;
    harness = await startHarness({
      config: {
        network: { allowPrivate: ['127.0.0.1'] },
        routing: { retriesPerTarget: 1, backoffBaseMs: 20 },
      },
    });
  });
  afterAll(async () => {
    await harness.close();
    for (const server of [clipServer, trap]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  beforeEach(async () => {
    harness.sim.reset();
    user = await harness.newUser(100);
  });

  const post = (key: string, body: unknown) =>
    fetch(`${harness.baseUrl}/audio/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const fishCalls = (path?: string) =>
    harness.sim.requests.filter((request) =>
      path ? request.path === path : !request.path.startsWith('/__'),
    );
  const spent = async (who: TestUser) => creditsToMicro(100) - (await harness.balancedBalance(who.user.id));

  it('audio-tts speaks the text with the voice; the URL is the gateway’s own, billed 2 credits', async () => {
    const voice = 'a'.repeat(32);
    const response = await post(user.key, {
      model: 'audio-tts',
      text: 'Welcome to Hypereal.',
      voice_id: voice,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { url: string }[] };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]!.url.startsWith(`${harness.gateway.url}/v1/files/`)).toBe(true);
    const download = await fetch(body.data[0]!.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/mpeg');
    const seconds = await secondsOf(Buffer.from(await download.arrayBuffer()));
    expect(seconds).toBeGreaterThan(0.5);
    const [call] = fishCalls('/v1/tts');
    expect(call?.headers['model']).toBe('s1');
    expect(call?.headers['authorization']).toMatch(/^Bearer /);
    expect(call?.body).toMatchObject({ text: 'Welcome to Hypereal.', reference_id: voice, format: 'mp3' });
    expect(await spent(user)).toBe(creditsToMicro(2));
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ model: 'audio-tts', status: 200, cost_micro: creditsToMicro(2) });
    // The file is listed as the user's audio in the storage API.
    const listed = await fetch(`${harness.baseUrl}/storage/files?kind=audio`, {
      headers: { authorization: `Bearer ${user.key}` },
    });
    expect(JSON.stringify(await listed.json())).toContain(new URL(body.data[0]!.url).pathname.split('/')[3]!);
  });

  it('audio-tts in wav, on /api/v1 too', async () => {
    const response = await fetch(`${harness.gateway.url}/api/v1/audio/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'audio-tts', text: 'Hello.', voice_id: 'b'.repeat(32), format: 'wav' }),
    });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: { url: string }[] };
    const download = await fetch(data[0]!.url);
    expect(download.headers.get('content-type')).toBe('audio/wav');
    expect(await spent(user)).toBe(creditsToMicro(2));
  });

  it('audio-clone creates a voice model from the ≥ 10 s reference once, reuses it, billed 5 credits each', async () => {
    const first = await post(user.key, {
      model: 'audio-clone',
      text: 'This is my cloned voice.',
      audio: `${clipBase}/voice-30s.wav`,
    });
    expect(first.status).toBe(200);
    const one = (await first.json()) as { data: { url: string }[]; voice_id: string };
    expect(one.voice_id).toMatch(/^[0-9a-f]{32}$/);
    const speech = await fetch(one.data[0]!.url);
    expect(speech.status).toBe(200);
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    const [created] = fishCalls('/model');
    expect(created).toBeDefined();
    expect(fishCalls('/v1/tts')[0]?.body).toMatchObject({ reference_id: one.voice_id });

    // The same reference (here from another URL) reuses the model: no second POST /model.
    const second = await post(user.key, {
      model: 'audio-clone',
      text: 'Again, same voice.',
      audio: `${clipBase}/voice-30s-again.wav`,
    });
    const two = (await second.json()) as { voice_id: string };
    expect(two.voice_id).toBe(one.voice_id);
    expect(fishCalls('/model')).toHaveLength(1);
    // The returned voice_id works with audio-tts.
    const tts = await post(user.key, { model: 'audio-tts', text: 'Reused.', voice_id: one.voice_id });
    expect(tts.status).toBe(200);
    // Another reference is another voice.
    const third = await post(user.key, {
      model: 'audio-clone',
      text: 'A different voice.',
      audio: `${clipBase}/other-voice-12s.wav`,
    });
    expect(((await third.json()) as { voice_id: string }).voice_id).not.toBe(one.voice_id);
    expect(fishCalls('/model')).toHaveLength(2);
    expect(await spent(user)).toBe(creditsToMicro(5 * 3 + 2));

    // Another user's clone of the same reference is their own model.
    const other = await harness.newUser(100);
    const theirs = await post(other.key, {
      model: 'audio-clone',
      text: 'Mine.',
      audio: `${clipBase}/voice-30s.wav`,
    });
    expect(((await theirs.json()) as { voice_id: string }).voice_id).not.toBe(one.voice_id);
  });

  it('audio-clone: a remembered model deleted on Fish Audio is cloned again', async () => {
    const first = await post(user.key, {
      model: 'audio-clone',
      text: 'One.',
      audio: `${clipBase}/voice-30s.wav`,
    });
    const { voice_id } = (await first.json()) as { voice_id: string };
    // Fish Audio no longer knows the model (deleted on its side): its TTS answers 404 for it once.
    harness.sim.addFault({ match: { path: '/v1/tts' }, status: 404, times: 1 });
    const again = await post(user.key, {
      model: 'audio-clone',
      text: 'Two.',
      audio: `${clipBase}/voice-30s.wav`,
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { voice_id: string }).voice_id).not.toBe(voice_id);
    expect(fishCalls('/model')).toHaveLength(2);
    expect(await spent(user)).toBe(creditsToMicro(10));
  });

  it('a reference shorter than 10 s is refused, naming audio, before any vendor call, at no cost', async () => {
    const response = await post(user.key, {
      model: 'audio-clone',
      text: 'Hi.',
      audio: `${clipBase}/short-4s.wav`,
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { param: string; message: string } };
    expect(error.param).toBe('audio');
    expect(error.message).toMatch(/at least 10 s.*4\.0 s/);
    expect(fishCalls()).toHaveLength(0);
    expect(await spent(user)).toBe(0);
  });

  it('audio-asr transcribes the recording: text, segments, duration; billed 2 credits', async () => {
    const response = await post(user.key, {
      model: 'audio-asr',
      audio: `${clipBase}/recording.wav`,
      language: 'en',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      text: string;
      duration: number;
      segments: { text: string; start: number; end: number }[];
    };
    expect(body.text.length).toBeGreaterThan(0);
    expect(body.duration).toBeCloseTo(6, 1);
    expect(body.segments.length).toBeGreaterThan(0);
    expect(body.segments.at(-1)!.end).toBeCloseTo(6, 1);
    const [call] = fishCalls('/v1/asr');
    expect(call?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(await spent(user)).toBe(creditsToMicro(2));
  });

  const voice = 'a'.repeat(32);
  it.each([
    ['audio-tts without text', { model: 'audio-tts', voice_id: voice }, 'text'],
    ['audio-tts with blank text', { model: 'audio-tts', text: '   ', voice_id: voice }, 'text'],
    [
      'audio-tts with 10,001 characters',
      { model: 'audio-tts', text: 'x'.repeat(10_001), voice_id: voice },
      'text',
    ],
    ['audio-tts without voice_id', { model: 'audio-tts', text: 'Hi.' }, 'voice_id'],
    [
      'audio-tts with a malformed voice_id',
      { model: 'audio-tts', text: 'Hi.', voice_id: 'no spaces' },
      'voice_id',
    ],
    [
      'audio-tts with format flac',
      { model: 'audio-tts', text: 'Hi.', voice_id: voice, format: 'flac' },
      'format',
    ],
    ['audio-clone without audio', { model: 'audio-clone', text: 'Hi.' }, 'audio'],
    ['audio-clone without text', { model: 'audio-clone', audio: 'https://example.com/a.mp3' }, 'text'],
    ['audio-asr without audio', { model: 'audio-asr' }, 'audio'],
    ['audio-asr with a number for audio', { model: 'audio-asr', audio: 42 }, 'audio'],
    [
      'audio-asr with a bad language',
      { model: 'audio-asr', audio: 'https://example.com/a.mp3', language: 'english please' },
      'language',
    ],
    ['no model', { text: 'Hi.' }, 'model'],
    ['an unknown model', { model: 'audio-nope', text: 'Hi.' }, 'model'],
    ['an image model', { model: 'gpt-image-2', text: 'Hi.' }, 'model'],
  ])('%s is a 400 naming its field, with no vendor call and no charge', async (_case, body, param) => {
    const response = await post(user.key, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    expect(fishCalls()).toHaveLength(0);
    expect(await spent(user)).toBe(0);
  });

  it('an unknown voice is a 400 naming voice_id and costs nothing', async () => {
    const response = await post(user.key, {
      model: 'audio-tts',
      text: 'Hi.',
      voice_id: 'c'.repeat(32).slice(1) + 'z',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('voice_id');
    expect(await spent(user)).toBe(0);
  });

  it('a private URL is refused (400 naming audio) without connecting to it, at no cost', async () => {
    for (const model of ['audio-clone', 'audio-asr']) {
      const response = await post(user.key, { model, text: 'Hi.', audio: trapUrl });
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { param: string; message: string } };
      expect(error.param).toBe('audio');
    }
    const metadata = await post(user.key, {
      model: 'audio-asr',
      audio: 'https://169.254.169.254/latest/meta-data',
    });
    expect(metadata.status).toBe(400);
    expect(trapConnections).toBe(0);
    expect(fishCalls()).toHaveLength(0);
    expect(await spent(user)).toBe(0);
  });

  it('a URL that is not audio (sniffed from the bytes) is refused naming audio', async () => {
    const response = await post(user.key, { model: 'audio-asr', audio: `${clipBase}/page.html` });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('audio');
    expect(await spent(user)).toBe(0);
  });

  it('Fish Audio failing is one clean 503 after a retry, and costs nothing', async () => {
    harness.sim.addFault({ match: { path: '/v1/tts' }, status: 503, times: Number.POSITIVE_INFINITY });
    const response = await post(user.key, { model: 'audio-tts', text: 'Hi.', voice_id: 'a'.repeat(32) });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-hypereal-attempts')).toBe('2');
    expect(await spent(user)).toBe(0);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ model: 'audio-tts', status: 503, cost_micro: 0 });
  });

  it('one transient Fish Audio failure is retried and billed once', async () => {
    harness.sim.addFault({ match: { path: '/v1/asr' }, status: 500, times: 1 });
    const response = await post(user.key, { model: 'audio-asr', audio: `${clipBase}/recording.wav` });
    expect(response.status).toBe(200);
    expect(fishCalls('/v1/asr')).toHaveLength(2);
    expect(await spent(user)).toBe(creditsToMicro(2));
  });

  it('402 before any vendor call when the balance is below the price', async () => {
    const poor = await harness.newUser(1);
    const response = await post(poor.key, {
      model: 'audio-clone',
      text: 'Hi.',
      audio: `${clipBase}/voice-30s.wav`,
    });
    expect(response.status).toBe(402);
    expect(fishCalls()).toHaveLength(0);
    expect(await harness.balancedBalance(poor.user.id)).toBe(creditsToMicro(1));
  });

  it('another user’s audio file is a 404', async () => {
    const response = await post(user.key, { model: 'audio-tts', text: 'Private.', voice_id: 'a'.repeat(32) });
    const { data } = (await response.json()) as { data: { url: string }[] };
    const fileId = new URL(data[0]!.url).pathname.split('/')[3]!;
    const mine = await fetch(`${harness.baseUrl}/storage/files/${fileId}`, {
      headers: { authorization: `Bearer ${user.key}` },
    });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { kind: string }).kind).toBe('audio');
    const other = await harness.newUser(0);
    for (const path of [`/storage/files/${fileId}`, `/storage/files/${fileId}/content`]) {
      const theirs = await fetch(`${harness.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${other.key}` },
      });
      expect(theirs.status).toBe(404);
    }
  });
});
