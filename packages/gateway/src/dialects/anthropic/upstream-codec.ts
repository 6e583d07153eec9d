import type { UpstreamCodec } from '../upstream-codec.ts';
import { AnthropicStreamToChat } from './anthropic-stream-to-chat.ts';
import { anthropicToChatResponse } from './anthropic-to-chat-response.ts';
import { type ChatToAnthropicRequestOptions, chatToAnthropicRequest } from './chat-to-anthropic-request.ts';

/** The API version every Messages call names; the one the SDKs and Claude Code send. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * When the chat request sets no cap: the Messages API requires `max_tokens`, and 8192 is an
 * output every Claude model since the 3.5 generation allows (Claude 3 Opus and Haiku stop
 * at 4096). A caller that knows the model's own limit passes it to
 * `createAnthropicUpstreamCodec`.
 * @see https://docs.anthropic.com/en/docs/about-claude/models/overview
 */
export const DEFAULT_MAX_TOKENS = 8192;

/**
 * How Chat Completions reaches an Anthropic Messages upstream (Claude API; Bedrock and
 * Vertex take the same body at their own paths): `POST /v1/messages` with the version
 * header at the provider's Messages path (the adapter's `authHeaders` adds the key), the answer and the stream read back
 * as chat.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/versioning
 */
export function createAnthropicUpstreamCodec(
  options: Partial<ChatToAnthropicRequestOptions> = {},
): UpstreamCodec {
  const requestOptions: ChatToAnthropicRequestOptions = {
    defaultMaxTokens: options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    ...(options.adaptiveThinking !== undefined ? { adaptiveThinking: options.adaptiveThinking } : {}),
    ...(options.replayThinking !== undefined ? { replayThinking: options.replayThinking } : {}),
  };
  return {
    request: (chat, upstreamModel, stream, path) => {
      const body = chatToAnthropicRequest(chat, upstreamModel, requestOptions);
      if (stream) body['stream'] = true;
      else delete body['stream'];
      return {
        path,
        headers: { 'anthropic-version': ANTHROPIC_VERSION },
        body: JSON.stringify(body),
      };
    },
    responseToChat: anthropicToChatResponse,
    streamToChat: (upstreamModel) => new AnthropicStreamToChat(upstreamModel),
  };
}

export const anthropicUpstreamCodec: UpstreamCodec = createAnthropicUpstreamCodec();
