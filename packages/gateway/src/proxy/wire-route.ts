import type {
  ChatCompletion,
  ChatStreamEvent,
  SseEvent,
  TokenUsage,
  UpstreamRequest,
} from '../contracts/index.ts';
import { chatUpstreamRequest } from '../dialects/chat-upstream-request.ts';
import type { ClientRequestContext, ParsedCall, ProxyDialect, StreamMeter } from '../dialects/dialect.ts';
import { encodeChatEvent } from '../dialects/openai-chat/stream-events.ts';
import { readChatUsage } from '../dialects/openai-chat/usage.ts';
import type { ChatStreamTranslator } from '../dialects/upstream-codec.ts';
import { upstreamCodecs } from '../dialects/upstream-codecs.ts';
import type { GatewayError } from '../errors/index.ts';
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

/** The stream meter for `route`: the dialect's own, or its chat translator behind the upstream's codec. */
export function streamMeterFor(dialect: ProxyDialect, call: ParsedCall, route: ModelRoute): StreamMeter {
  const plan = planWire(dialect.id, route.provider.adapter);
  if (plan.mode === 'pass-through') return dialect.passThroughMeter(call, route);
  const meter = dialect.chatMeter(call);
  const codec = upstreamCodecs[plan.wire];
  return codec ? new TranslatedStreamMeter(meter, codec.streamToChat(route.model)) : meter;
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

/**
 * The client dialect's meter fed with the upstream stream read as the canonical typed
 * stream: every upstream event becomes zero or more typed events, each metered and
 * translated by the dialect as if a chat upstream had sent it.
 */
export class TranslatedStreamMeter implements StreamMeter {
  readonly #inner: StreamMeter;
  readonly #translator: ChatStreamTranslator;
  readonly renderError?: (error: GatewayError) => string;

  constructor(inner: StreamMeter, translator: ChatStreamTranslator) {
    this.#inner = inner;
    this.#translator = translator;
    if (inner.renderError) this.renderError = (error) => inner.renderError!(error);
  }

  observe(event: SseEvent): string | null {
    return this.#feed(this.#translator.observe(event));
  }

  finish(): string | null {
    const out = [this.#feed(this.#translator.finish()), this.#inner.finish?.() ?? null].filter(
      (piece): piece is string => piece !== null,
    );
    return out.length > 0 ? out.join('') : null;
  }

  assembled(): Record<string, unknown> | null {
    return this.#inner.assembled?.() ?? null;
  }

  get answerId(): string | null {
    return this.#inner.answerId ?? null;
  }

  /** The client meter's count once the closing usage chunk went through, else the upstream's latest report. */
  get usage(): TokenUsage | null {
    return this.#inner.usage ?? this.#translator.usage;
  }

  get promptUsage(): TokenUsage | null {
    return this.#inner.promptUsage;
  }

  get completed(): boolean {
    return this.#translator.completed;
  }

  get failed(): boolean {
    return this.#translator.failed || this.#inner.failed;
  }

  generatedText(): string {
    return this.#inner.generatedText();
  }

  /** Typed events go straight to a translating meter; a chat client's gets them as chat chunks. */
  #feed(events: ChatStreamEvent[]): string | null {
    const out: string[] = [];
    for (const event of events) {
      const piece = this.#inner.consume
        ? this.#inner.consume(event)
        : this.#inner.observe(encodeChatEvent(event));
      if (piece !== null) out.push(piece);
    }
    return out.length > 0 ? out.join('') : null;
  }
}
