import type { SseEvent, TokenUsage } from '../../contracts/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { readChatUsage } from './usage.ts';

/**
 * Watches a Chat Completions stream go by: keeps the reported usage and the text
 * generated so far, and withholds the usage-only chunk when the client did not ask
 * for it (the gateway always asks the upstream for it).
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class ChatStreamMeter implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  readonly #forwardUsageChunk: boolean;
  readonly #generated: string[] = [];

  constructor(forwardUsageChunk: boolean) {
    this.#forwardUsageChunk = forwardUsageChunk;
  }

  observe(event: SseEvent): string | null {
    return this.read(event) ? event.raw : null;
  }

  /** Meters one event; false for the usage-only chunk the client did not ask for. */
  read(event: SseEvent): boolean {
    if (event.data === '[DONE]') {
      this.completed = true;
      return true;
    }
    if (event.data.charCodeAt(0) !== 123 /* { */) return true;
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      return true; // unparseable data is forwarded as-is, never dropped
    }
    if (chunk['error'] !== undefined) this.failed = true;
    const usage = readChatUsage(chunk['usage']);
    if (usage) this.usage = usage;
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return true;
    for (const choice of choices) this.#collect((choice as Record<string, unknown> | null)?.['delta']);
    return this.#forwardUsageChunk || !(choices.length === 0 && usage !== null);
  }

  generatedText(): string {
    return this.#generated.join('');
  }

  #collect(delta: unknown): void {
    if (!delta || typeof delta !== 'object') return;
    const record = delta as Record<string, unknown>;
    for (const field of ['content', 'reasoning_content', 'reasoning', 'refusal']) {
      const value = record[field];
      if (typeof value === 'string') this.#generated.push(value);
    }
    const toolCalls = record['tool_calls'];
    if (!Array.isArray(toolCalls)) return;
    for (const call of toolCalls) {
      const fn = (call as Record<string, unknown> | null)?.['function'] as
        | Record<string, unknown>
        | undefined;
      if (typeof fn?.['name'] === 'string') this.#generated.push(fn['name']);
      if (typeof fn?.['arguments'] === 'string') this.#generated.push(fn['arguments']);
    }
  }
}
