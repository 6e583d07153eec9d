import type { RequestOptions } from '../core/http.ts';
import type { ImageGenerateParams, ImagesResponse } from '../types/media.ts';
import { Resource } from './resource.ts';

/** Image generation, billed per image returned; the URLs are the gateway's own signed links. */
export class Images extends Resource {
  /**
   * `POST /v1/images/generations` with a pinned `model`, or `POST /v1/images/generate` when
   * the params name an `intent` (the gateway picks the cheapest qualified model).
   */
  generate(params: ImageGenerateParams, options: RequestOptions = {}): Promise<ImagesResponse> {
    const path = params.intent !== undefined ? '/v1/images/generate' : '/v1/images/generations';
    return this.http.json<ImagesResponse>({ method: 'POST', path, json: params }, options);
  }

  /** By intent only: `intent("text-to-image-fast", { prompt })`. */
  byIntent(
    intent: string,
    params: Omit<ImageGenerateParams, 'intent' | 'model'>,
    options: RequestOptions = {},
  ): Promise<ImagesResponse> {
    return this.http.json<ImagesResponse>(
      { method: 'POST', path: '/v1/images/generate', json: { ...params, intent } },
      options,
    );
  }
}
