import { bfl } from './bfl.ts';
import { geminiImages } from './gemini-images.ts';
import { openAiImages } from './openai-images.ts';
import { seedream } from './seedream.ts';
import type { ImageAdapter } from './types.ts';

export type { ImageAdapter, ImageCall, ImageJob, ReferenceImage, VendorHttp, VendorImage } from './types.ts';

/** The only list of image adapters; a provider's `imageApi:` names one. */
export const imageAdapters: Readonly<Record<string, ImageAdapter>> = Object.fromEntries(
  [openAiImages, geminiImages, bfl, seedream].map((adapter) => [adapter.id, adapter]),
);
