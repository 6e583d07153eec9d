import type { MediaPrice } from '../billing/index.ts';
import type { ImageRules } from './image-rules.ts';
import type { ModelRoute } from './model-route.ts';
import type { VideoRules } from './video-rules.ts';

/** The catalog's non-chat kinds (docs/api-contract.md §4, §6, §7, §10). */
export const mediaKinds = ['image', 'video', 'audio', 'gpu'] as const;
export type MediaKind = (typeof mediaKinds)[number];

/** What a media model turns into what; gpu models may declare any of them. */
export const modalitiesByKind = {
  image: ['text-to-image', 'image-to-image'],
  video: ['text-to-video', 'image-to-video'],
  audio: ['text-to-speech', 'voice-clone', 'speech-to-text'],
} as const satisfies Record<Exclude<MediaKind, 'gpu'>, readonly string[]>;
export const mediaModalities = Object.values(modalitiesByKind).flat();
export type MediaModality = (typeof mediaModalities)[number];

/** The modalities a model of `kind` has when its entry names none. */
export const defaultModalities: Record<MediaKind, readonly MediaModality[]> = {
  image: ['text-to-image'],
  video: ['text-to-video'],
  audio: ['text-to-speech'],
  gpu: [],
};

export function isMediaKind(kind: string | undefined): kind is MediaKind {
  return (mediaKinds as readonly string[]).includes(kind ?? '');
}

/** An image, video, audio or GPU model: its own endpoint, its own price unit. */
export interface MediaModelEntry {
  id: string;
  kind: MediaKind;
  routes: readonly ModelRoute[];
  /** Integer micro-credits per unit of the kind (`price.kind === kind`). */
  price: MediaPrice;
  modalities: readonly MediaModality[];
  /** Intent buckets the model is in (a bucket never mixes kinds). */
  intents: readonly string[];
  /** Image models: what a request may ask for (catalog `rules:`). */
  imageRules?: ImageRules;
  /** Video models: what a request may ask for (catalog `videoRules:`, over the defaults). */
  videoRules?: VideoRules;
  /** GPU models: how the catalogue shows and runs them. */
  gpu?: GpuModelInfo;
}

/** A serverless GPU model's catalogue entry beyond its price (docs/api-contract.md §10). */
export interface GpuModelInfo {
  name: string;
  /** `sync`: POST /v1/gpu/{slug} waits for the result; `async`: 202 and a poll URL. */
  mode: 'sync' | 'async';
  /** JSON schema of the call's `input` (an object schema). */
  inputSchema: Readonly<Record<string, unknown>>;
}

/** Where a model of each kind is called (docs/api-contract.md §4, §6, §7, §10). */
export function mediaEndpoint(model: Pick<MediaModelEntry, 'id' | 'kind'>): string {
  switch (model.kind) {
    case 'image':
      return 'POST /v1/images/generations';
    case 'video':
      return 'POST /v1/videos/generate';
    case 'audio':
      return 'POST /v1/audio/generations';
    case 'gpu':
      return `POST /v1/gpu/${model.id}`;
  }
}

/** `an image model`, `a GPU model`, for error messages. */
export function describeKind(kind: MediaKind): string {
  return kind === 'image' || kind === 'audio'
    ? `an ${kind} model`
    : `a ${kind === 'gpu' ? 'GPU' : kind} model`;
}
