import type { ChatCompletion, TokenUsage, UpstreamRequest } from '../contracts/index.ts';
import { chatUpstreamRequest } from '../dialects/chat-upstream-request.ts';
import type { ClientRequestContext, ParsedCall, ProxyDialect, StreamMeter } from '../dialects/dialect.ts';
import { LifecycleStreamMeter } from '../dialects/lifecycle-stream-meter.ts';
import { ChatStreamLifecycle } from '../dialects/openai-chat/chat-stream-lifecycle.ts';
import { readChatUsage } from '../dialects/openai-chat/usage.ts';
import { upstreamCodecs } from '../dialects/upstream-codecs.ts';
import { planWire } from '../providers/index.ts';
import type { ModelRoute } from '../routing/model-route.ts';

/**
 * The three places a call meets its route — the request, the stream, the JSON answer —
 * each following the one `planWire` decision: the client's own format passed through,
 * or the canonical chat form translated to the upstream's format and back.
 */
export function upstreamRequestFor(
  dialect: ProxyDialect,
  call: ParsedCall,
  route: ModelRoute,
  client: ClientRequestContext,
  clampOutputTokens: number | undefined,
): UpstreamRequest {
  const plan = planWire(dialect.id, route.provider.adapter);
  if (plan.mode === 'pass-through')
    return dialect.passThrough(call, route, plan.path, client, clampOutputTokens);
  return chatUpstreamRequest(dialect.toChat(call, route), route, plan, call.stream, clampOutputTokens);
}

/**
 * The stream meter for `route`: the dialect's own (pass-through), or the upstream's stream
 * read as the canonical lifecycle (chat SSE, or the upstream codec's format), tallied once
 * and written by the dialect's encoder.
 */
export function streamMeterFor(dialect: ProxyDialect, call: ParsedCall, route: ModelRoute): StreamMeter {
  const plan = planWire(dialect.id, route.provider.adapter);
  if (plan.mode === 'pass-through') return dialect.passThroughMeter(call, route);
  const codec = upstreamCodecs[plan.wire];
  const source = codec ? codec.streamToChat(route.model) : new ChatStreamLifecycle();
  return new LifecycleStreamMeter(source, dialect.chatEncoder(call));
}

/** A JSON answer as the client gets it, with the usage it reports. */
export interface ClientAnswer {
  body: Record<string, unknown>;
  /** null: the upstream reported none (count instead). */
  usage: TokenUsage | null;
  /** Text generated, for counting. */
  text: () => string;
  /** The upstream's id, when a passed-through answer can be fetched again later. */
  answerId: string | null;
}

export function jsonAnswerFor(
  dialect: ProxyDialect,
  call: ParsedCall,
  route: ModelRoute,
  parsed: Record<string, unknown>,
): ClientAnswer {
  const plan = planWire(dialect.id, route.provider.adapter);
  if (plan.mode === 'pass-through') {
    dialect.onPassThroughAnswer?.(parsed, route);
    return {
      body: parsed,
      usage: dialect.readUsage(parsed),
      text: () => dialect.completionText(parsed),
      answerId: dialect.answerId?.(parsed) ?? null,
    };
  }
  const codec = upstreamCodecs[plan.wire];
  const canonical = codec ? codec.responseToChat(parsed, route.model) : (parsed as ChatCompletion);
  const body = dialect.fromChat(canonical, call);
  return {
    body,
    usage: readChatUsage(canonical.usage),
    text: () => dialect.completionText(body),
    answerId: null,
  };
}
