import type { SseEvent, TokenUsage } from '../contracts/index.ts';
import type { GatewayError } from '../errors/index.ts';
import type { StreamEncoder, StreamMeter } from './dialect.ts';
import { ChatStreamLifecycle } from './openai-chat/chat-stream-lifecycle.ts';
import { StreamTally } from './stream-tally.ts';
import type { ChatStreamTranslator } from './upstream-codec.ts';

/**
 * A translated stream, in three separate jobs: `source` reads the upstream's events as the
 * canonical lifecycle (chat SSE, or an upstream codec's own format), the tally meters it
 * (usage, generated text), and the client dialect's encoder only writes its bytes.
 */
export class LifecycleStreamMeter implements StreamMeter {
  readonly promptUsage = null;
  readonly answerId = null;
  readonly #source: ChatStreamTranslator;
  readonly #encoder: StreamEncoder;
  readonly #tally = new StreamTally();
  readonly renderError?: (error: GatewayError) => string;

  constructor(source: ChatStreamTranslator, encoder: StreamEncoder) {
    this.#source = source;
    this.#encoder = encoder;
    if (encoder.renderError) this.renderError = (error) => encoder.renderError!(error);
  }

  observe(event: SseEvent): string | null {
    const parts = this.#source.observe(event);
    this.#tally.read(parts);
    return this.#encoder.encode(parts);
  }

  finish(): string | null {
    const parts = this.#source.finish();
    this.#tally.read(parts);
    const out = [this.#encoder.encode(parts), this.#encoder.finish?.() ?? null].filter(
      (piece): piece is string => piece !== null,
    );
    return out.length > 0 ? out.join('') : null;
  }

  assembled(): Record<string, unknown> | null {
    return this.#encoder.assembled?.() ?? null;
  }

  /** The closing usage report once it went through, else the upstream's latest (a cut stream). */
  get usage(): TokenUsage | null {
    return this.#tally.usage ?? this.#source.usage;
  }

  get completed(): boolean {
    return this.#source.completed;
  }

  get failed(): boolean {
    return this.#source.failed || this.#tally.failed;
  }

  generatedText(): string {
    return this.#tally.generatedText();
  }
}

/** A client encoder fed by a Chat Completions upstream's stream. */
export const chatStreamMeter = (encoder: StreamEncoder): LifecycleStreamMeter =>
  new LifecycleStreamMeter(new ChatStreamLifecycle(), encoder);
