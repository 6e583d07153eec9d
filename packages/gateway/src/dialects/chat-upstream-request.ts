import type { ChatRequest, UpstreamRequest } from '../contracts/index.ts';
import { type JsonSource, spliceJsonBody } from '../contracts/json-source.ts';
import { GatewayError } from '../errors/index.ts';
import type { WirePlan } from '../providers/index.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { upstreamCodecs } from './upstream-codecs.ts';

/**
 * A call in the canonical chat form to an upstream, whichever client dialect it came
 * from: billing needs the stream's usage chunk, the output cap goes in the one field the
 * provider reads (a balance cap overrides the client's), the provider's named quirks
 * apply, and an upstream that does not speak chat gets the call through its format's
 * codec. `body` is a chat client's own (checked by its parser) or what a client
 * dialect's codec produced.
 */
export function chatUpstreamRequest(
  body: ChatRequest,
  route: ModelRoute,
  plan: Pick<WirePlan, 'wire' | 'path'>,
  stream: boolean,
  clampOutputTokens: number | undefined,
  source?: JsonSource,
): UpstreamRequest {
  const { adapter } = route.provider;
  const chat: ChatRequest = { ...body, model: route.model };
  if (stream && adapter.capabilities.streamUsage) {
    const options = (body['stream_options'] ?? {}) as Record<string, unknown>;
    chat['stream_options'] = { ...options, include_usage: true };
  }
  const cap = clampOutputTokens ?? chat.max_completion_tokens ?? chat.max_tokens;
  delete chat.max_tokens;
  delete chat.max_completion_tokens;
  if (cap !== undefined) chat[adapter.capabilities.maxTokensField] = cap;
  adapter.adjustRequest?.(chat);
  if (plan.wire === 'openai-chat') {
    // The client's own chat body: its untouched members (the messages, the tools) copied as
    // they came, not serialised again — unless a provider quirk may have rewritten anything.
    const text = source && !adapter.adjustRequest ? spliceJsonBody(chat, source) : JSON.stringify(chat);
    return { path: plan.path, headers: {}, body: text };
  }
  const codec = upstreamCodecs[plan.wire];
  if (!codec) {
    throw new GatewayError('upstream_unavailable', {
      message: `Provider "${route.provider.name}" speaks only ${plan.wire}, which this request cannot be translated to.`,
    });
  }
  return codec.request(chat, route.model, stream, plan.path);
}
