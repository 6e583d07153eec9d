import * as z from 'zod';
import { GatewayError } from '../errors/index.ts';
import { type TtsFormat, ttsFormats } from '../providers/audio/fish-audio.ts';
import type { MediaModelEntry } from '../routing/media-models.ts';

/** What one audio model does, from its catalog modalities (docs/api-contract.md §7). */
export type AudioOperation = 'tts' | 'clone' | 'asr';

/** Longest text one request may speak (a gateway limit, so one request stays one short vendor call). */
export const maxSpeechChars = 10_000;

export type AudioRequest =
  | { operation: 'tts'; text: string; voiceId: string; format: TtsFormat }
  | { operation: 'clone'; text: string; audioUrl: string; format: TtsFormat }
  | { operation: 'asr'; audioUrl: string; language?: string | undefined };

export function operationOf(model: MediaModelEntry): AudioOperation | undefined {
  if (model.modalities.includes('voice-clone')) return 'clone';
  if (model.modalities.includes('speech-to-text')) return 'asr';
  if (model.modalities.includes('text-to-speech')) return 'tts';
  return undefined;
}

const text = z
  .string({ error: 'required (the text to speak)' })
  .refine((value) => value.trim().length > 0, 'must not be empty')
  .refine((value) => value.length <= maxSpeechChars, `must be at most ${maxSpeechChars} characters`);
const audioUrl = z
  .string({ error: 'required (an https URL of the audio)' })
  .trim()
  .refine((value) => value.length > 0, 'must not be empty');
const format = z
  .enum(ttsFormats, { error: `allowed values: ${ttsFormats.join(', ')}` })
  .nullish()
  .transform((value) => value ?? 'mp3');

const schemas = {
  tts: z.looseObject({
    text,
    voice_id: z
      .string({ error: 'required (a voice id, e.g. the voice_id an audio-clone call returned)' })
      .trim()
      .refine((value) => value.length > 0, 'must not be empty')
      .refine((value) => /^[\w.-]{1,128}$/.test(value), 'must be a voice id (letters, digits, _ . -)'),
    format,
  }),
  clone: z.looseObject({ text, audio: audioUrl, format }),
  asr: z.looseObject({
    audio: audioUrl,
    language: z
      .string({ error: 'must be a language code, e.g. "en"' })
      .trim()
      .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$/, 'must be a language code, e.g. "en"')
      .nullish(),
  }),
};

/** The fields of one audio model's request, checked; a bad field is a 400 naming it. */
export function parseAudioRequest(operation: AudioOperation, json: Record<string, unknown>): AudioRequest {
  switch (operation) {
    case 'tts': {
      const body = checked(schemas.tts, json);
      return { operation, text: body.text, voiceId: body.voice_id, format: body.format };
    }
    case 'clone': {
      const body = checked(schemas.clone, json);
      return { operation, text: body.text, audioUrl: body.audio, format: body.format };
    }
    case 'asr': {
      const body = checked(schemas.asr, json);
      return { operation, audioUrl: body.audio, language: body.language ?? undefined };
    }
  }
}

function checked<T>(schema: z.ZodType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = issue.path.map(String).join('.') || null;
  throw new GatewayError('invalid_request', {
    param,
    message: `Invalid field ${param ?? 'body'}: ${issue.message}`,
  });
}

/** The request body as an object, or a 400. */
export function bodyObject(json: unknown): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  return json as Record<string, unknown>;
}
