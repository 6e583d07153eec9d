import type { RequestOptions } from '../core/http.ts';
import { eventJson, type Stream, streamError } from '../core/stream.ts';
import type {
  GeminiModel,
  GeminiTokenCount,
  GenerateContentParams,
  GenerateContentResponse,
} from '../types/gemini.ts';
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

  /**
   * The same call with `model` in the body (`POST /v1/gemini`), for clients that cannot put it
   * in the path; the gateway answers in Gemini's shape.
   */
  generate(params: GenerateContentParams, options: RequestOptions = {}): Promise<GenerateContentResponse> {
    return this.http.json<GenerateContentResponse>(
      { method: 'POST', path: '/v1/gemini', json: params },
      options,
    );
  }

  /** `GET /v1beta/models`: the Gemini models, in Google's list shape. */
  async listModels(options: RequestOptions = {}): Promise<GeminiModel[]> {
    const page = await this.http.json<{ models: GeminiModel[] }>(
      { method: 'GET', path: '/v1beta/models' },
      options,
    );
    return page.models;
  }

  /** `GET /v1beta/models/{model}`. */
  retrieveModel(model: string, options: RequestOptions = {}): Promise<GeminiModel> {
    return this.http.json<GeminiModel>(
      { method: 'GET', path: `/v1beta/models/${segment(model.replace(/^models\//, ''))}` },
      options,
    );
  }
}
