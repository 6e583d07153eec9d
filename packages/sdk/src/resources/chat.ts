import type { HttpClient, RequestOptions } from '../core/http.ts';
import { eventJson, type Stream, streamError } from '../core/stream.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from '../types/chat.ts';
import { Resource } from './resource.ts';

/** `POST /v1/chat/completions` (OpenAI's wire format, every chat model). */
export class ChatCompletions extends Resource {
  create(params: ChatCompletionCreateParams, options: RequestOptions = {}): Promise<ChatCompletion> {
    return this.http.json<ChatCompletion>(
      { method: 'POST', path: '/v1/chat/completions', json: { ...params, stream: false } },
      options,
    );
  }

  /**
   * Streams the answer as chunks (`choices[0].delta.content`); the last one carries `usage`.
   * https://platform.openai.com/docs/api-reference/chat-streaming
   */
  stream(params: ChatCompletionCreateParams, options: RequestOptions = {}): Stream<ChatCompletionChunk> {
    return this.streamed<ChatCompletionChunk>(
      { method: 'POST', path: '/v1/chat/completions', json: { ...params, stream: true } },
      options,
      (event, response) => {
        if (event.data === '[DONE]') return { done: true };
        const payload = eventJson(event);
        if (payload !== null && typeof payload === 'object' && 'error' in payload)
          throw streamError(payload, response.headers);
        return { value: payload as ChatCompletionChunk };
      },
    );
  }
}

export class Chat {
  readonly completions: ChatCompletions;

  constructor(http: HttpClient) {
    this.completions = new ChatCompletions(http);
  }
}
