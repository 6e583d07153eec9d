import type { RequestOptions } from '../core/http.ts';
import { eventJson, type Stream, streamError } from '../core/stream.ts';
import type { GeminiTokenCount, GenerateContentParams, GenerateContentResponse } from '../types/gemini.ts';
import { Resource, segment } from './resource.ts';

/**
 * Gemini's native API at Google's own path layout (`/v1beta/models/{model}:generateContent`),
 * https://ai.google.dev/api/generate-content. `model` travels in the path, never the body.
 */
export class Gemini extends Resource {
  generateContent(
    params: GenerateContentParams,
    options: RequestOptions = {},
  ): Promise<GenerateContentResponse> {
    const { model, ...body } = params;
    return this.http.json<GenerateContentResponse>(
      { method: 'POST', path: `/v1beta/models/${segment(model)}:generateContent`, json: body },
      options,
    );
  }

  /** `:streamGenerateContent?alt=sse`: each chunk is a GenerateContentResponse. */
  streamGenerateContent(
    params: GenerateContentParams,
    options: RequestOptions = {},
  ): Stream<GenerateContentResponse> {
    const { model, ...body } = params;
    return this.streamed<GenerateContentResponse>(
      {
        method: 'POST',
        path: `/v1beta/models/${segment(model)}:streamGenerateContent`,
        query: { alt: 'sse' },
        json: body,
      },
      options,
      (event, response) => {
        const payload = eventJson(event);
        if (payload !== null && typeof payload === 'object' && 'error' in payload)
          throw streamError(payload, response.headers);
        return { value: payload as GenerateContentResponse };
      },
    );
  }

  countTokens(params: GenerateContentParams, options: RequestOptions = {}): Promise<GeminiTokenCount> {
    const { model, ...body } = params;
    return this.http.json<GeminiTokenCount>(
      { method: 'POST', path: `/v1beta/models/${segment(model)}:countTokens`, json: body },
      options,
    );
  }
}
