import type { RequestOptions } from '../core/http.ts';
import type {
  CloneParams,
  SpeechParams,
  SpeechResponse,
  TranscribeParams,
  TranscriptionResponse,
} from '../types/media.ts';
import { Resource } from './resource.ts';

/** `POST /v1/audio/generations`: one route, three models (Fish Audio), billed per request. */
export class Audio extends Resource {
  /** Text to speech (`audio-tts`) in a voice id. */
  speech(params: SpeechParams, options: RequestOptions = {}): Promise<SpeechResponse> {
    return this.#call<SpeechResponse>({ model: 'audio-tts', ...params }, options);
  }

  /** Speech in the voice of a reference recording (`audio-clone`); reuse the returned `voice_id`. */
  clone(params: CloneParams, options: RequestOptions = {}): Promise<SpeechResponse> {
    return this.#call<SpeechResponse>({ model: 'audio-clone', ...params }, options);
  }

  /** Speech to text (`audio-asr`). */
  transcribe(params: TranscribeParams, options: RequestOptions = {}): Promise<TranscriptionResponse> {
    return this.#call<TranscriptionResponse>({ model: 'audio-asr', ...params }, options);
  }

  #call<T>(body: object, options: RequestOptions): Promise<T> {
    return this.http.json<T>({ method: 'POST', path: '/v1/audio/generations', json: body }, options);
  }
}
