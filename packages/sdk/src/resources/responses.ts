import type { RequestOptions } from '../core/http.ts';
import { eventJson, type Stream, streamError } from '../core/stream.ts';
import type { Response, ResponseCreateParams, ResponseStreamEvent } from '../types/responses.ts';
import { Resource, segment } from './resource.ts';

/** OpenAI Responses: `POST /v1/responses` and the stored-response routes. */
export class Responses extends Resource {
  create(params: ResponseCreateParams, options: RequestOptions = {}): Promise<Response> {
    return this.http.json<Response>(
      { method: 'POST', path: '/v1/responses', json: { ...params, stream: false } },
      options,
    );
  }

  /**
   * Streams typed events: `response.created` first, `response.output_text.delta`…, then
   * `response.completed` (https://platform.openai.com/docs/api-reference/responses-streaming).
   */
  stream(params: ResponseCreateParams, options: RequestOptions = {}): Stream<ResponseStreamEvent> {
    return this.streamed<ResponseStreamEvent>(
      { method: 'POST', path: '/v1/responses', json: { ...params, stream: true } },
      options,
      (event, response) => {
        if (event.data === '[DONE]') return { done: true };
        const payload = eventJson(event) as ResponseStreamEvent;
        if (payload?.type === 'error' || event.event === 'error') {
          const inner = payload as { code?: unknown; message?: unknown; error?: unknown };
          throw streamError(inner.error ? payload : { error: payload }, response.headers);
        }
        return { value: payload };
      },
    );
  }

  /** A stored response (`store: true`), from the upstream that made it. */
  retrieve(id: string, options: RequestOptions = {}): Promise<Response> {
    return this.http.json<Response>({ method: 'GET', path: `/v1/responses/${segment(id)}` }, options);
  }

  delete(id: string, options: RequestOptions = {}): Promise<{ id: string; deleted: boolean }> {
    return this.http.json({ method: 'DELETE', path: `/v1/responses/${segment(id)}` }, options);
  }

  cancel(id: string, options: RequestOptions = {}): Promise<Response> {
    return this.http.json<Response>({ method: 'POST', path: `/v1/responses/${segment(id)}/cancel` }, options);
  }

  inputItems(id: string, options: RequestOptions = {}): Promise<{ object: 'list'; data: unknown[] }> {
    return this.http.json({ method: 'GET', path: `/v1/responses/${segment(id)}/input_items` }, options);
  }
}
