import { parseJsonObject, type SseEvent, type TokenUsage } from '../../contracts/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { readChatUsage } from './usage.ts';

/**
 * Watches a Chat Completions stream go by: keeps the reported usage and the text
 * generated so far. Every client gets the usage in its final chunk (the contract): a
 * client that asked for `stream_options.include_usage` gets the standard usage-only chunk
 * (`choices: []`); any other gets `usage` on the finish chunk instead, which no client that
 * reads `choices[0].delta` can trip over (the gateway always asks the upstream for usage).
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class ChatStreamMeter implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  readonly #forwardUsageChunk: boolean;
  readonly #generated: string[] = [];
  #pendingFinish: SseEvent | null = null;
  /** The usage object as the upstream sent it, for the client's last chunk. */
  #lastUsage: unknown = null;

  constructor(forwardUsageChunk: boolean) {
    this.#forwardUsageChunk = forwardUsageChunk;
  }

  observe(event: SseEvent): string | null {
    const usageOnly = !this.#read(event);
    if (this.#forwardUsageChunk) return event.raw;
    // Usage goes on the last chunk that has a choice: the finish chunk waits for the usage chunk.
    if (usageOnly) return this.#releaseFinish(true);
    const out = this.#releaseFinish(false);
    if (this.#isFinish(event)) {
      this.#pendingFinish = event;
      return out;
    }
    return (out ?? '') + event.raw;
  }

  /** The held finish chunk, with the upstream's usage merged in once it came. */
  #releaseFinish(withUsage: boolean): string | null {
    const pending = this.#pendingFinish;
    if (!pending) return null;
    this.#pendingFinish = null;
    if (!withUsage || !this.#lastUsage) return pending.raw;
    const chunk = parseJsonObject(pending.data) ?? {};
    return `data: ${JSON.stringify({ ...chunk, usage: this.#lastUsage })}\n\n`;
  }

  #isFinish(event: SseEvent): boolean {
    if (event.data.charCodeAt(0) !== 123 /* { */) return false;
    return /"finish_reason":\s*"/.test(event.data);
  }

  /** Meters one event; false for the usage-only chunk (`choices: []`). */
  #read(event: SseEvent): boolean {
    if (event.data === '[DONE]') {
      this.completed = true;
      return true;
    }
    if (event.data.charCodeAt(0) !== 123 /* { */) return true;
    const chunk = parseJsonObject(event.data);
    if (!chunk) return true; // unparseable data is forwarded as-is, never dropped
    if (chunk['error'] !== undefined) this.failed = true;
    const usage = readChatUsage(chunk['usage']);
    if (usage) {
      this.usage = usage;
      this.#lastUsage = chunk['usage'];
    }
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return true;
    for (const choice of choices) this.#collect((choice as Record<string, unknown> | null)?.['delta']);
    return !(choices.length === 0 && usage !== null);
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
