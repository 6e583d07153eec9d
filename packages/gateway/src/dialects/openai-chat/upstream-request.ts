import type { ChatRequest, UpstreamRequest } from '../../contracts/index.ts';
import type { ModelRoute } from '../../routing/model-route.ts';

/**
 * A Chat Completions call to an upstream, whichever client dialect it came from:
 * billing needs the stream's usage chunk, a balance cap goes in the field the provider
 * reads, the provider's named quirks apply, and an upstream with its own wire format
 * (Gemini) gets the call through its codec. `body` is the canonical request: a chat
 * client's own (checked by its parser) or what a client dialect's codec produced.
 */
export function chatUpstreamRequest(
  body: Record<string, unknown>,
  route: ModelRoute,
  stream: boolean,
  clampOutputTokens: number | undefined,
): UpstreamRequest {
  const { adapter } = route.provider;
  const chat: ChatRequest = { ...(body as ChatRequest), model: route.model };
  if (stream && adapter.capabilities.streamUsage) {
    const options = (body['stream_options'] ?? {}) as Record<string, unknown>;
    chat['stream_options'] = { ...options, include_usage: true };
  }
  if (clampOutputTokens !== undefined) {
    delete chat['max_tokens'];
    delete chat['max_completion_tokens'];
    chat[adapter.capabilities.maxTokensField] = clampOutputTokens;
  }
  adapter.adjustRequest?.(chat);
  if (adapter.chatCodec) return adapter.chatCodec.request(chat, route.model, stream);
  return { path: adapter.chatPath, headers: {}, body: JSON.stringify(chat) };
}
