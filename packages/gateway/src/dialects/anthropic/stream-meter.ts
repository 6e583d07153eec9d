import { type Json, parseJsonObject, type SseEvent, type TokenUsage } from '../../contracts/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { readAnthropicUsage } from './usage.ts';

/**
 * Reads an Anthropic Messages stream as it passes: input-side usage from
 * message_start, cumulative totals from message_delta, generated text for counting,
 * and thinking signatures for failover.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class AnthropicStreamMeter implements StreamMeter {
  usage: TokenUsage | null = null;
  promptUsage: TokenUsage | null = null;
  completed = false;
  failed = false;
  readonly #generated: string[] = [];
  readonly #signatures = new Map<number, string>();
  readonly #onSignature: (signature: string) => void;

  constructor(onSignature: (signature: string) => void) {
    this.#onSignature = onSignature;
  }

  observe(event: SseEvent): string | null {
    const name = event.event;
    if (name === 'ping' || event.data.charCodeAt(0) !== 123 /* { */) return event.raw;
    // Unparseable data is forwarded as-is, never dropped.
    const data = parseJsonObject(event.data);
    if (data) handlers[String(name ?? data['type'])]?.(this, data);
    return event.raw;
  }

  generatedText(): string {
    return this.#generated.join('');
  }

  pushText(text: unknown): void {
    if (typeof text === 'string') this.#generated.push(text);
  }

  appendSignature(index: number, part: string): void {
    this.#signatures.set(index, (this.#signatures.get(index) ?? '') + part);
  }

  closeBlock(index: number): void {
    const signature = this.#signatures.get(index);
    if (signature) this.#onSignature(signature);
    this.#signatures.delete(index);
  }

  signed(signature: string): void {
    this.#onSignature(signature);
  }
}

type Handler = (meter: AnthropicStreamMeter, data: Json) => void;

const handlers: Record<string, Handler> = {
  message_start(meter, data) {
    const usage = readAnthropicUsage((data['message'] as Json | undefined)?.['usage']);
    if (usage) meter.promptUsage = { ...usage, outputTokens: 0, reasoningTokens: 0 };
  },
  content_block_start(meter, data) {
    const block = data['content_block'] as Json | undefined;
    if (block?.['type'] === 'redacted_thinking' && typeof block['data'] === 'string')
      meter.signed(block['data']);
    if (
      block?.['type'] === 'thinking' &&
      typeof block['signature'] === 'string' &&
      block['signature'] !== ''
    ) {
      meter.appendSignature(Number(data['index']), block['signature']);
    }
  },
  content_block_delta(meter, data) {
    const delta = (data['delta'] ?? {}) as Json;
    switch (delta['type']) {
      case 'text_delta':
        return meter.pushText(delta['text']);
      case 'thinking_delta':
        return meter.pushText(delta['thinking']);
      case 'input_json_delta':
        return meter.pushText(delta['partial_json']);
      case 'signature_delta':
        if (typeof delta['signature'] === 'string')
          meter.appendSignature(Number(data['index']), delta['signature']);
    }
  },
  content_block_stop(meter, data) {
    meter.closeBlock(Number(data['index']));
  },
  message_delta(meter, data) {
    meter.usage = readAnthropicUsage(data['usage'], meter.usage ?? meter.promptUsage) ?? meter.usage;
  },
  message_stop(meter) {
    meter.completed = true;
  },
  error(meter) {
    meter.failed = true;
  },
};
