import { decode } from '@msgpack/msgpack';
import type { Exchange } from '../http/exchange.ts';
import { headerValue } from '../http/exchange.ts';
import { type FormPart, formField, parseMultipart } from '../http/multipart.ts';
import { authToken } from '../http/query.ts';
import { sendJson } from '../http/send.ts';
import { randomHex } from '../ids.ts';
import { isRecord } from '../json.ts';
import { encodeSilentMp3, mp3DurationSeconds } from '../media/mp3.ts';
import { encodeSilentOggOpus, oggOpusDurationSeconds } from '../media/ogg-opus.ts';
import { encodePcm, encodeWav, readWavComment, readWavInfo } from '../media/wav.ts';
import type { SimApi } from '../sim-api.ts';

export interface FishAudioContext {
  apiKeys: readonly string[] | undefined;
  /** Voice models created with `POST /model`, by `_id`. */
  models: Map<string, VoiceModel>;
}

interface VoiceModel {
  _id: string;
  apiKey: string;
  entity: Record<string, unknown>;
}

const TTS_MODELS = ['s1', 's2-pro', 's2.1-pro', 's2.1-pro-free', 'speech-1.5', 'speech-1.6'];
const FORMATS: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
  opus: 'audio/ogg',
};
const MODEL_PATH = /^\/model\/([^/]+)$/;
/** Public voice-library ids are 32 lowercase hex digits; the simulator accepts any of that shape. */
const PUBLIC_VOICE = /^[0-9a-f]{32}$/;

/**
 * Fish Audio (`api.fish.audio`, `Authorization: Bearer <key>`): `POST /v1/tts` (JSON or MessagePack; audio bytes
 * back, chunked, no JSON wrapper; the `model` header picks the TTS model), `POST /v1/asr`
 * (multipart `audio` → `{text, duration, segments}`), `POST /model` (a voice clone from uploaded
 * samples, usable at once as `reference_id`), `GET /model/{id}`, `DELETE /model/{id}`. Errors:
 * `{status, message}`.
 * @see https://docs.fish.audio/api-reference/endpoint/openapi-v1/speech-to-text
 * @see https://github.com/fishaudio/docs (api-reference/openapi.json: TTSRequest, ASR, POST /model)
 */
export function createFishAudioApi(context: FishAudioContext): SimApi {
  return {
    routes: [
      {
        method: 'POST',
        path: '/v1/tts',
        modelOf: (exchange) => ttsModel(exchange),
        handle: (exchange) => withKey(exchange, context, tts),
      },
      { method: 'POST', path: '/v1/asr', handle: (exchange) => withKey(exchange, context, asr) },
      { method: 'POST', path: '/model', handle: (exchange) => withKey(exchange, context, createModel) },
      { method: 'GET', path: MODEL_PATH, handle: (exchange) => withKey(exchange, context, getModel) },
      { method: 'DELETE', path: MODEL_PATH, handle: (exchange) => withKey(exchange, context, deleteModel) },
    ],
    claimsPath: (path) => path === '/model' || MODEL_PATH.test(path),
    sendError: (exchange, status, message) => sendFishError(exchange, status, message),
    reset: () => context.models.clear(),
  };
}

const MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Invalid API key',
  402: 'Insufficient balance',
  403: 'Forbidden',
  404: 'Not Found',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function sendFishError(exchange: Exchange, status: number, message?: string): void {
  sendJson(exchange.response, status, { status, message: message ?? MESSAGES[status] ?? 'Error' });
}

type Handler = (exchange: Exchange, context: FishAudioContext, apiKey: string) => Promise<void>;

async function withKey(exchange: Exchange, context: FishAudioContext, handler: Handler): Promise<void> {
  const key = authToken(exchange, 'Bearer');
  if (key === '' || (context.apiKeys && !context.apiKeys.includes(key))) return sendFishError(exchange, 401);
  await handler(exchange, context, key);
}

function ttsModel(exchange: Pick<Exchange, 'request'>): string {
  return headerValue(exchange.request, 'model')?.trim() || 's2.1-pro';
}

/** A JSON or MessagePack (`content-type: application/msgpack`, what the SDKs send for TTS) body. */
function structuredBody(exchange: Exchange): Record<string, unknown> | undefined {
  const type = headerValue(exchange.request, 'content-type') ?? '';
  if (/msgpack/i.test(type)) {
    try {
      const decoded = decode(exchange.body.bytes);
      if (!isRecord(decoded)) return undefined;
      // Recorded as the decoded request, so tests can read what the client sent.
      exchange.record.body = decoded;
      return decoded;
    } catch {
      return undefined;
    }
  }
  return exchange.body.isJson && isRecord(exchange.body.value) ? exchange.body.value : undefined;
}

/** Seconds of speech for a text: about 15 characters a second at `prosody.speed` 1, at least 0.5 s. */
function speechSeconds(text: string, speed: number): number {
  const spoken = text.replace(/<\|[^|]*\|>/g, '').trim();
  return Math.max(0.5, Math.round((spoken.length / 15 / speed) * 100) / 100);
}

async function tts(exchange: Exchange, context: FishAudioContext, apiKey: string): Promise<void> {
  const model = ttsModel(exchange);
  if (!TTS_MODELS.includes(model)) return sendFishError(exchange, 400, `Invalid model: ${model}`);
  const body = structuredBody(exchange);
  if (!body) return sendFishError(exchange, 422, 'Request body must be a TTSRequest (JSON or MessagePack)');
  const text = body['text'];
  if (typeof text !== 'string' || text.trim() === '')
    return sendFishError(exchange, 422, 'text: field required');
  const format = String(body['format'] ?? 'mp3');
  const mime = FORMATS[format];
  if (!mime) {
    return sendFishError(exchange, 422, `format: must be one of ${Object.keys(FORMATS).join(', ')}`);
  }
  const references = Array.isArray(body['reference_id']) ? body['reference_id'] : [body['reference_id']];
  for (const reference of references) {
    if (reference === undefined || reference === null) continue;
    const known =
      typeof reference === 'string' && (context.models.has(reference) || PUBLIC_VOICE.test(reference));
    const own = typeof reference === 'string' ? context.models.get(reference) : undefined;
    if (!known || (own && own.apiKey !== apiKey && own.entity['visibility'] === 'private')) {
      return sendFishError(exchange, 404, `Reference model ${String(reference)} not found`);
    }
  }
  const prosody = isRecord(body['prosody']) ? body['prosody'] : {};
  const speed = typeof prosody['speed'] === 'number' && prosody['speed'] > 0 ? prosody['speed'] : 1;
  const sampleRate = typeof body['sample_rate'] === 'number' ? body['sample_rate'] : 44_100;
  const seconds = speechSeconds(text, speed);
  const audio =
    format === 'wav'
      ? encodeWav(seconds, sampleRate, text)
      : format === 'pcm'
        ? encodePcm(seconds, sampleRate)
        : format === 'opus'
          ? encodeSilentOggOpus(seconds)
          : encodeSilentMp3(seconds);
  // Raw audio, chunked like the real endpoint (no content-length).
  exchange.response.writeHead(200, { 'content-type': mime, 'transfer-encoding': 'chunked' });
  const chunk = 16 * 1024;
  for (let at = 0; at < audio.length; at += chunk) exchange.response.write(audio.subarray(at, at + chunk));
  exchange.response.end();
}

/** Seconds of an uploaded clip: WAV from its header, MP3 from its frames, else 16 kB a second. */
function audioSeconds(bytes: Buffer): number {
  try {
    if (bytes.toString('latin1', 0, 4) === 'RIFF') return readWavInfo(bytes).durationSeconds;
    if (bytes[0] === 0xff) return mp3DurationSeconds(bytes);
    if (bytes.toString('latin1', 0, 4) === 'OggS') return oggOpusDurationSeconds(bytes);
  } catch {
    // fall through to the estimate
  }
  return bytes.length / 16_000;
}

/** Transcript of a clip: the text a simulated TTS stored in it, else a placeholder of its length. */
function transcript(bytes: Buffer, seconds: number): string {
  const stored = bytes.toString('latin1', 0, 4) === 'RIFF' ? readWavComment(bytes) : undefined;
  if (stored) return stored;
  const words = Math.max(1, Math.round(seconds * 2.5));
  return Array.from({ length: words }, (_, index) => (index === 0 ? 'Simulated' : 'speech')).join(' ') + '.';
}

function segmentsOf(text: string, duration: number): Array<{ text: string; start: number; end: number }> {
  const sentences = text
    .match(/[^.!?。！？]+[.!?。！？]*/g)
    ?.map((part) => part.trim())
    .filter(Boolean) ?? [text];
  const total = sentences.reduce((sum, sentence) => sum + sentence.length, 0) || 1;
  let start = 0;
  return sentences.map((sentence) => {
    const end = Math.round((start + (sentence.length / total) * duration) * 1000) / 1000;
    const segment = { text: sentence, start: Math.round(start * 1000) / 1000, end };
    start = end;
    return segment;
  });
}

async function asr(exchange: Exchange, _context: FishAudioContext, _apiKey: string): Promise<void> {
  const form = fields(exchange);
  if (!form) return sendFishError(exchange, 400, 'Request body must be multipart/form-data or MessagePack');
  const audio = form.parts.find((part) => part.name === 'audio');
  if (!audio || audio.data.length === 0) return sendFishError(exchange, 422, 'audio: field required');
  const duration = Math.round(audioSeconds(audio.data) * 1000) / 1000;
  const text = transcript(audio.data, duration);
  const ignoreTimestamps = String(form.get('ignore_timestamps') ?? 'true').toLowerCase() !== 'false';
  const language = form.get('language');
  sendJson(exchange.response, 200, {
    text,
    duration,
    segments: ignoreTimestamps ? [] : segmentsOf(text, duration),
    ...(typeof language === 'string' && language !== '' ? { language_code: language } : {}),
  });
}

function fields(exchange: Exchange): { parts: FormPart[]; get(name: string): unknown } | undefined {
  const parts = parseMultipart(exchange.body.bytes, headerValue(exchange.request, 'content-type'));
  if (parts) return { parts, get: (name) => formField(parts, name) };
  const record = structuredBody(exchange);
  if (!record) return undefined;
  // Binary values (MessagePack `bin`) stand for uploaded files; JSON carries none.
  const files: FormPart[] = [];
  for (const [name, value] of Object.entries(record)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item instanceof Uint8Array) {
        files.push({ name, filename: undefined, contentType: undefined, data: Buffer.from(item) });
      }
    }
  }
  return { parts: files, get: (name) => record[name] };
}

async function createModel(exchange: Exchange, context: FishAudioContext, apiKey: string): Promise<void> {
  const form = fields(exchange);
  if (!form) return sendFishError(exchange, 400, 'Request body must be multipart/form-data or JSON');
  const problems: string[] = [];
  if (form.get('type') !== 'tts') problems.push("type: must be 'tts'");
  const title = form.get('title');
  if (typeof title !== 'string' || title.trim() === '') problems.push('title: field required');
  if (form.get('train_mode') !== 'fast') problems.push("train_mode: must be 'fast'");
  const voices = form.parts.filter((part) => part.name === 'voices' && part.data.length > 0);
  const jsonVoices = form.get('voices');
  if (voices.length === 0 && !(Array.isArray(jsonVoices) && jsonVoices.length > 0))
    problems.push('voices: field required');
  const visibility = String(form.get('visibility') ?? 'public');
  if (!['public', 'unlist', 'private'].includes(visibility))
    problems.push('visibility: must be public, unlist or private');
  const hasCover =
    form.parts.some((part) => part.name === 'cover_image' && part.data.length > 0) || form.get('cover_image');
  if (visibility === 'public' && !hasCover) problems.push('cover_image: required for a public model');
  if (problems.length > 0) return sendFishError(exchange, 422, problems.join('; '));
  const now = new Date().toISOString();
  const id = randomHex('', 32);
  const samples = voices.map((voice) => ({
    title: voice.filename ?? 'sample',
    text: transcript(voice.data, audioSeconds(voice.data)),
    task_id: randomHex('', 32),
    audio: `https://platform.fish.audio/${id}/${voice.filename ?? 'sample.wav'}`,
  }));
  const tags = form.parts.filter((part) => part.name === 'tags').map((part) => part.data.toString('utf8'));
  const entity = {
    _id: id,
    type: 'tts',
    title,
    description: String(form.get('description') ?? ''),
    cover_image: hasCover ? `coverimage/${id}` : '',
    train_mode: 'fast',
    state: 'trained',
    tags,
    samples,
    created_at: now,
    updated_at: now,
    languages: [],
    visibility,
    lock_visibility: false,
    like_count: 0,
    mark_count: 0,
    shared_count: 0,
    task_count: 0,
    liked: false,
    marked: false,
    author: { _id: apiKey.slice(0, 8), nickname: 'upstream-sim', avatar: '' },
  };
  context.models.set(id, { _id: id, apiKey, entity });
  sendJson(exchange.response, 201, entity);
}

async function getModel(exchange: Exchange, context: FishAudioContext, apiKey: string): Promise<void> {
  const id = MODEL_PATH.exec(exchange.path)?.[1] ?? '';
  const model = context.models.get(id);
  if (!model || (model.apiKey !== apiKey && model.entity['visibility'] === 'private')) {
    return sendFishError(exchange, 404, 'Model not found');
  }
  sendJson(exchange.response, 200, model.entity);
}

async function deleteModel(exchange: Exchange, context: FishAudioContext, apiKey: string): Promise<void> {
  const id = MODEL_PATH.exec(exchange.path)?.[1] ?? '';
  const model = context.models.get(id);
  if (!model || model.apiKey !== apiKey) return sendFishError(exchange, 404, 'Model not found');
  context.models.delete(id);
  exchange.response.writeHead(200, { 'content-length': '0' });
  exchange.response.end();
}
