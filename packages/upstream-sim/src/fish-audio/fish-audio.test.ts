import { encode } from '@msgpack/msgpack';
import { FishAudioClient, FishAudioError } from 'fish-audio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mp3DurationSeconds } from '../media/mp3.ts';
import { oggOpusDurationSeconds } from '../media/ogg-opus.ts';
import { encodeWav, readWavInfo } from '../media/wav.ts';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';

let sim: UpstreamSim;
let client: FishAudioClient;
const KEY = 'fish-key';

beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: [KEY] });
  client = new FishAudioClient({ apiKey: KEY, baseUrl: sim.url });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function tts(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/v1/tts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('Fish Audio through its official SDK (fish-audio)', () => {
  it('TTS (MessagePack, model header) returns a real WAV whose length follows the text', async () => {
    const short = await bytesOf(
      await client.textToSpeech.convert({ text: 'Hello there.', format: 'wav' }, 's1'),
    );
    const long = await bytesOf(
      await client.textToSpeech.convert({ text: 'Hello there. '.repeat(20), format: 'wav' }, 's1'),
    );
    const request = sim.requests.find((recorded) => recorded.path === '/v1/tts');
    expect(request?.headers['content-type']).toBe('application/msgpack');
    expect(request?.headers['model']).toBe('s1');
    expect(request?.body).toMatchObject({ text: 'Hello there.', format: 'wav' });
    const shortInfo = readWavInfo(short);
    expect(shortInfo).toMatchObject({ sampleRate: 44_100, channels: 1, bitsPerSample: 16 });
    expect(readWavInfo(long).durationSeconds).toBeGreaterThan(shortInfo.durationSeconds * 10);
  });

  it('ASR transcribes an upload to {text, duration, segments}; a simulated TTS clip round-trips', async () => {
    const wav = await bytesOf(
      await client.textToSpeech.convert({ text: 'The fox runs. The dog sleeps.', format: 'wav' }, 's1'),
    );
    const result = await client.speechToText.convert({
      audio: new File([wav], 'speech.wav', { type: 'audio/wav' }),
      language: 'en',
      ignore_timestamps: false,
    });
    expect(result.text).toBe('The fox runs. The dog sleeps.');
    expect(result.duration).toBeCloseTo(readWavInfo(wav).durationSeconds, 2);
    expect(result.segments.map((segment) => segment.text)).toEqual(['The fox runs.', 'The dog sleeps.']);
    expect(result.segments[1]?.end).toBeCloseTo(result.duration, 2);
    // Without ignore_timestamps=false there are no segments (the documented default).
    const plain = await client.speechToText.convert({ audio: new File([encodeWav(2)], 'x.wav') });
    expect(plain.duration).toBe(2);
    expect(plain.segments).toEqual([]);
    // MessagePack works too; JSON (no file) does not carry audio.
    const packed = await fetch(`${sim.url}/v1/asr`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/msgpack' },
      body: encode({ audio: encodeWav(1, 16_000, 'Packed.'), ignore_timestamps: false }),
    });
    expect(await packed.json()).toMatchObject({
      text: 'Packed.',
      duration: 1,
      segments: [{ text: 'Packed.', start: 0, end: 1 }],
    });
    const json = await fetch(`${sim.url}/v1/asr`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ audio: 'UklGRg==' }),
    });
    expect(json.status).toBe(422);
  });

  it('a voice clone from uploaded samples is usable at once as reference_id', async () => {
    const model = await client.voices.ivc.create({
      title: 'My voice',
      voices: [new File([encodeWav(3)], 'sample.wav', { type: 'audio/wav' })],
      visibility: 'private',
    });
    expect(model).toMatchObject({
      type: 'tts',
      title: 'My voice',
      train_mode: 'fast',
      state: 'trained',
      visibility: 'private',
    });
    expect(model._id).toMatch(/^[0-9a-f]{32}$/);
    const speech = await tts({ text: 'Cloned.', reference_id: model._id, format: 'mp3' });
    expect(speech.status).toBe(200);
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    expect(mp3DurationSeconds(new Uint8Array(await speech.arrayBuffer()))).toBeGreaterThan(0.4);
    expect((await client.voices.get(model._id)).title).toBe('My voice');

    await client.voices.delete(model._id);
    const gone = await tts({ text: 'x', reference_id: 'deleted-voice' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ status: 404 });
  });

  it('validates like the API: a public model needs a cover image; text required; bad key 401', async () => {
    const error = await client.voices.ivc
      .create({ title: 'Public', voices: [new File([encodeWav(1)], 'a.wav')] })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(FishAudioError);
    expect((error as FishAudioError).statusCode).toBe(422);

    expect((await tts({ format: 'wav' })).status).toBe(422);
    expect((await tts({ text: 'x', format: 'flac' })).status).toBe(422);
    const unauthorized = await tts({ text: 'x' }, { authorization: 'Bearer nope' });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ status: 401, message: expect.any(String) });
    const json = await tts({ text: 'JSON works too.', format: 'pcm', sample_rate: 16_000 });
    expect(json.headers.get('content-type')).toBe('audio/pcm');
    expect((await json.arrayBuffer()).byteLength % 2).toBe(0);
    const opus = await tts({ text: 'Opus as Ogg, fifteen per secs.', format: 'opus' });
    expect(opus.headers.get('content-type')).toBe('audio/ogg');
    expect(oggOpusDurationSeconds(new Uint8Array(await opus.arrayBuffer()))).toBeCloseTo(2, 1);
  });

  it('applies faults like every simulated endpoint', async () => {
    sim.addFault({ match: { path: '/v1/tts' }, status: 402 });
    const response = await tts({ text: 'x' });
    expect(response.status).toBe(402);
    expect(await response.json()).toEqual({ status: 402, message: 'Insufficient balance' });
  });
});
