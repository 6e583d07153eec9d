import type { RequestOptions } from '../core/http.ts';
import { eventJson, type Stream, streamError } from '../core/stream.ts';
import type {
  Message,
  MessageCreateParams,
  MessageStreamEvent,
  MessageTokenCount,
} from '../types/messages.ts';
import { Resource } from './resource.ts';

/** Anthropic Messages: `POST /v1/messages` (Claude models, and chat models in Anthropic's shape). */
export class Messages extends Resource {
  create(params: MessageCreateParams, options: RequestOptions = {}): Promise<Message> {
    return this.http.json<Message>(
      { method: 'POST', path: '/v1/messages', json: { ...params, stream: false } },
      options,
    );
  }

  /**
   * Streams events (message_start, content_block_delta…, message_stop); `ping` keepalives are
   * skipped and an `error` event throws (https://docs.anthropic.com/en/api/messages-streaming).
   */
  stream(params: MessageCreateParams, options: RequestOptions = {}): Stream<MessageStreamEvent> {
    return this.streamed<MessageStreamEvent>(
      { method: 'POST', path: '/v1/messages', json: { ...params, stream: true } },
      options,
      (event, response) => {
        const payload = eventJson(event) as MessageStreamEvent;
        if (event.event === 'error' || payload?.type === 'error')
          throw streamError(payload, response.headers);
        if (payload?.type === 'ping') return {};
        return { value: payload, done: payload?.type === 'message_stop' };
      },
    );
  }

  countTokens(
    params: Omit<MessageCreateParams, 'max_tokens'>,
    options: RequestOptions = {},
  ): Promise<MessageTokenCount> {
    return this.http.json<MessageTokenCount>(
      { method: 'POST', path: '/v1/messages/count_tokens', json: params },
      options,
    );
  }
}
