import { type Json, parseJsonObject, type SseEvent, type TokenUsage } from '../../contracts/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { obj } from '../json-fields.ts';
import { readGeminiUsage } from './usage.ts';

/**
 * Watches a Gemini stream pass through unchanged: the latest cumulative
 * `usageMetadata` is the bill, the generated parts are kept for counting a cut
 * stream, and a `finishReason` marks the end.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export class GeminiStreamMeter implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  readonly #generated: string[] = [];

  observe(event: SseEvent): string {
    const chunk = parseJsonObject(event.data);
    if (!chunk) return event.raw;
    if (chunk['error']) this.failed = true;
    this.usage = readGeminiUsage(chunk['usageMetadata']) ?? this.usage;
    const candidates = Array.isArray(chunk['candidates']) ? (chunk['candidates'] as Json[]) : [];
    for (const candidate of candidates) {
      for (const part of (obj(candidate['content'])['parts'] as Json[] | undefined) ?? []) {
        const record = obj(part);
        if (typeof record['text'] === 'string') this.#generated.push(record['text']);
        if (record['functionCall']) this.#generated.push(JSON.stringify(record['functionCall']));
      }
      if (typeof candidate['finishReason'] === 'string') this.completed = true;
    }
    if (candidates.length === 0 && obj(chunk['promptFeedback'])['blockReason']) this.completed = true;
    return event.raw;
  }

  generatedText(): string {
    return this.#generated.join('');
  }
}
