import type { ChatStreamEvent, SseEvent, TokenUsage } from '../contracts/index.ts';
import { encodeChatEvent } from '../dialects/openai-chat/stream-events.ts';
import type { GatewayError } from '../errors/index.ts';
import type { ChatCodec, ChatStreamTranslator } from '../providers/index.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import type { ProxyDialect, StreamMeter } from './proxy-dialect.ts';

/**
 * The codec between Chat Completions and `route`'s own wire format, when this client
 * dialect reaches that upstream through chat (a Gemini client on a Gemini upstream
 * passes straight through instead).
 */
export function upstreamCodec(dialect: ProxyDialect, route: ModelRoute): ChatCodec | undefined {
  const { adapter } = route.provider;
  return adapter.chatCodec && adapter.dialect !== dialect.id ? adapter.chatCodec : undefined;
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

/** The stream meter for `route`: the dialect's own, behind the upstream's codec when there is one. */
export function streamMeterFor(
  dialect: ProxyDialect,
  call: Parameters<ProxyDialect['newStreamMeter']>[0],
  route: ModelRoute,
): StreamMeter {
  const meter = dialect.newStreamMeter(call, route);
  const codec = upstreamCodec(dialect, route);
  return codec ? new TranslatedStreamMeter(meter, codec.streamToChat(route.model)) : meter;
}
