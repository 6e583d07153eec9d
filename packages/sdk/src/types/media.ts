import type { Job } from './jobs.ts';

/** `POST /v1/images/generations` (a pinned model) and `/v1/images/generate` (model or intent). */
export interface ImageGenerateParams {
  /** A model id from `client.models.list()` (kind "image"). */
  model?: string;
  /** Instead of `model`: a capability bucket such as "text-to-image-fast"; the cheapest qualified model runs. */
  intent?: string;
  prompt: string;
  n?: number;
  /** `1024x1024`… (what the model's `options.size` lists). */
  size?: string;
  aspect_ratio?: string;
  resolution?: string;
  quality?: string;
  response_format?: 'url' | 'b64_json';
  /** Reference images (URLs); `reference_images` and `image_urls` are the other spellings. */
  image?: string | string[];
  reference_images?: string | string[];
  image_urls?: string | string[];
}

export interface ImageData {
  /** The gateway's own signed link to the stored image (response_format "url"). */
  url?: string;
  b64_json?: string;
}

export interface ImagesResponse {
  created: number;
  data: ImageData[];
}

/** `POST /v1/videos/generate`. */
export interface VideoGenerateParams {
  model: string;
  prompt: string;
  /** Seconds, for per-second models. */
  duration?: number;
  aspect_ratio?: string;
  resolution?: string;
  image_urls?: string | string[];
  image?: string;
  last_image_url?: string;
  negative_prompt?: string;
  seed?: number;
  /** Where the job's end is reported (a signed webhook); https, public. */
  webhook_url?: string;
}

/** The 202 answer: the job, plus where to poll it. */
export interface VideoJob extends Job {
  jobId: string;
  pollUrl: string;
}

/** `POST /v1/audio/generations` with model `audio-tts`. */
export interface SpeechParams {
  model?: 'audio-tts' | (string & {});
  text: string;
  voice_id: string;
  format?: 'mp3' | 'wav' | 'opus';
}

/** `audio-clone`: speak `text` in the voice of a reference recording (≥ 10 s, a URL). */
export interface CloneParams {
  model?: 'audio-clone' | (string & {});
  text: string;
  audio: string;
  format?: 'mp3' | 'wav' | 'opus';
}

/** `audio-asr`: transcribe a recording (a URL). */
export interface TranscribeParams {
  model?: 'audio-asr' | (string & {});
  audio: string;
  language?: string;
}

export interface SpeechResponse {
  created: number;
  data: Array<{ url: string }>;
  /** audio-clone only: the cloned voice, reusable as `voice_id` with audio-tts. */
  voice_id?: string;
}

export interface TranscriptSegment {
  text: string;
  start: number;
  end: number;
}

export interface TranscriptionResponse {
  text: string;
  segments: TranscriptSegment[];
  duration: number;
  language?: string;
}
