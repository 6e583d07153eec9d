import { type Json, parseJsonObject, type SseEvent, type TokenUsage } from '../../contracts/index.ts';
import type { StreamMeter } from '../dialect.ts';
import { readResponsesUsage } from './usage.ts';

const textDeltas = new Set([
  'response.output_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
  'response.refusal.delta',
]);
const terminal = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * Reads a Responses stream passing through untouched: the response id (so only its
 * owner can fetch it later), the final response and usage from the terminal event.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ResponsesStreamMeter implements StreamMeter {
  usage: TokenUsage | null = null;
  readonly promptUsage = null;
  completed = false;
  failed = false;
  answerId: string | null = null;
  #final: Json | null = null;
  readonly #generated: string[] = [];

  observe(event: SseEvent): string | null {
    if (event.data.charCodeAt(0) !== 123 /* { */) return event.raw;
    const data = parseJsonObject(event.data);
    if (!data) return event.raw;
    const type = String(data['type'] ?? event.event ?? '');
    if (textDeltas.has(type) && typeof data['delta'] === 'string') this.#generated.push(data['delta']);
    else if (type === 'response.created') {
      const id = (data['response'] as Json | undefined)?.['id'];
      if (typeof id === 'string') this.answerId = id;
    } else if (terminal.has(type)) {
      this.completed = true;
      this.failed = type === 'response.failed';
      this.#final = (data['response'] as Json | undefined) ?? null;
      this.usage = readResponsesUsage(this.#final?.['usage']);
    } else if (type === 'error') this.failed = true;
    return event.raw;
  }

  assembled(): Json | null {
    return this.#final;
  }

  generatedText(): string {
    return this.#generated.join('');
  }
}
