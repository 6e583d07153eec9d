import * as z from 'zod';
import { UpstreamError } from '../../errors/index.ts';
import type { AudioAnswer, AudioFile, AudioVendorHttp, Transcript } from './types.ts';

/**
 * Fish Audio (`https://api.fish.audio`, `Authorization: Bearer <key>`), called directly:
 * - `POST /v1/tts`: a JSON `TTSRequest` (`text`, `reference_id`, `format`); the `model`
 *   header picks the TTS model; the answer is the audio itself, chunked, no JSON wrapper.
 * - `POST /v1/asr`: multipart `audio` (+ `language`, `ignore_timestamps`) →
 *   `{text, duration, segments: [{text, start, end}]}`.
 * - `POST /model`: multipart `type=tts`, `title`, `train_mode=fast`, `voices` (the sample)
 *   → a voice model entity whose `_id` is a `reference_id` usable at once.
 * Errors are `{status, message}`.
 * @see https://docs.fish.audio/api-reference/endpoint/openapi-v1/text-to-speech
 * @see https://docs.fish.audio/api-reference/endpoint/openapi-v1/speech-to-text
 * @see https://docs.fish.audio/api-reference/endpoint/model/create-model
 */

export const fishAudioProvider = 'fish-audio';

export const fishAudioAuth = (apiKey: string): Record<string, string> => ({
  authorization: `Bearer ${apiKey}`,
});

/** The output formats the gateway offers (Fish's `pcm` is headerless and not a playable file). */
export const ttsFormats = ['mp3', 'wav', 'opus'] as const;
export type TtsFormat = (typeof ttsFormats)[number];

export interface SpeechRequest {
  /** The TTS model (`s1`, `s2-pro`…), sent in the `model` header. */
  model: string;
  text: string;
  /** A voice model id (`reference_id`): from the voice library or made by `createVoiceModel`. */
  referenceId: string;
  format: TtsFormat;
  /** The client's field the voice came from, named when Fish does not know it. */
  voiceParam: string;
}

export async function synthesize(http: AudioVendorHttp, request: SpeechRequest): Promise<AudioAnswer> {
  try {
    return await http.postJsonForAudio(
      '/v1/tts',
      { text: request.text, reference_id: request.referenceId, format: request.format },
      { model: request.model },
    );
  } catch (error) {
    // 404 "Reference model … not found": the voice is the client's mistake, not an outage.
    if (error instanceof UpstreamError && error.upstreamStatus === 404) {
      throw new UpstreamError('invalid_request', fishAudioProvider, 404, error.upstreamBody, {
        param: request.voiceParam,
        message: `Unknown voice: ${request.referenceId} (not a Fish Audio voice model id).`,
      });
    }
    throw error;
  }
}

const transcriptSchema = z.looseObject({
  text: z.string(),
  duration: z.number().nonnegative(),
  segments: z
    .array(z.looseObject({ text: z.string(), start: z.number(), end: z.number() }))
    .nullish()
    .transform((segments) => (segments ?? []).map(({ text, start, end }) => ({ text, start, end }))),
  language_code: z.string().nullish(),
  language: z.string().nullish(),
});

/** Speech to text with timestamps; `language` is a hint only (Fish always detects). */
export async function transcribe(
  http: AudioVendorHttp,
  audio: AudioFile,
  language?: string,
): Promise<Transcript> {
  const answer = await http.postForm('/v1/asr', [
    { name: 'audio', file: audio },
    { name: 'ignore_timestamps', value: 'false' },
    ...(language ? [{ name: 'language', value: language }] : []),
  ]);
  const parsed = transcriptSchema.safeParse(answer);
  if (!parsed.success) throw malformed('no transcript', answer);
  const { text, duration, segments, language_code, language: detected } = parsed.data;
  return { text, duration, segments, language: language_code ?? detected ?? undefined };
}

const modelSchema = z.looseObject({ _id: z.string().min(1), state: z.string().optional() });

/**
 * Creates a private voice model from one reference sample (`train_mode: fast`: usable at
 * once, no cover image needed since it is not public); returns its `_id`.
 */
export async function createVoiceModel(
  http: AudioVendorHttp,
  input: { title: string; sample: AudioFile },
): Promise<string> {
  const answer = await http.postForm('/model', [
    { name: 'type', value: 'tts' },
    { name: 'title', value: input.title },
    { name: 'train_mode', value: 'fast' },
    { name: 'visibility', value: 'private' },
    { name: 'voices', file: input.sample },
  ]);
  const parsed = modelSchema.safeParse(answer);
  if (!parsed.success) throw malformed('no voice model id', answer);
  if (parsed.data.state === 'failed') {
    throw new UpstreamError(
      'invalid_request',
      fishAudioProvider,
      201,
      JSON.stringify(answer).slice(0, 2000),
      {
        param: 'audio',
        message: 'Fish Audio could not build a voice from this reference audio.',
      },
    );
  }
  return parsed.data._id;
}

function malformed(detail: string, body: unknown): UpstreamError {
  return new UpstreamError(
    'upstream_error',
    fishAudioProvider,
    200,
    JSON.stringify(body ?? null).slice(0, 2000),
    {
      message: `The upstream provider returned an unexpected audio response (${detail}).`,
    },
  );
}
