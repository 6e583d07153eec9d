import type { TokenUsage } from '../../billing/index.ts';
import { readChatUsage } from './usage.ts';

/**
 * Watches a Chat Completions stream go by: keeps the reported usage, and the text
 * generated so far so an interrupted stream can still be counted.
 */
export class ChatStreamMeter {
  usage: TokenUsage | null = null;
  #generated: string[] = [];
  #chunks = 0;

  /** Returns true when the chunk is the usage-only chunk (`choices: []`). */
  observe(chunk: Record<string, unknown>): boolean {
    this.#chunks++;
    const usage = readChatUsage(chunk['usage']);
    if (usage) this.usage = usage;
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return false;
    for (const choice of choices) this.#collect((choice as Record<string, unknown> | null)?.['delta']);
    return choices.length === 0 && usage !== null;
  }

  get chunkCount(): number {
    return this.#chunks;
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
    if (Array.isArray(toolCalls)) {
      for (const call of toolCalls) {
        const fn = (call as Record<string, unknown> | null)?.['function'] as
          | Record<string, unknown>
          | undefined;
        if (typeof fn?.['name'] === 'string') this.#generated.push(fn['name']);
        if (typeof fn?.['arguments'] === 'string') this.#generated.push(fn['arguments']);
      }
    }
  }
}
