import type { StreamPart, TokenUsage } from '../contracts/index.ts';

/**
 * What a translated stream used and generated, read once from the canonical lifecycle
 * whatever the client's format: the latest usage report, the generated text (reasoning,
 * visible text, tool-call arguments) for counting when no usage came, and whether the
 * stream failed or ended.
 */
export class StreamTally {
  usage: TokenUsage | null = null;
  failed = false;
  done = false;
  readonly #generated: string[] = [];

  read(parts: readonly StreamPart[]): void {
    for (const part of parts) {
      if (part.type === 'text-delta' || part.type === 'reasoning-delta') this.#generated.push(part.text);
      else if (part.type === 'tool-call-delta') this.#generated.push(part.arguments);
      else if (part.type === 'usage') this.usage = part.usage;
      else if (part.type === 'error') this.failed = true;
      else if (part.type === 'done') this.done = true;
    }
  }

  generatedText(): string {
    return this.#generated.join('');
  }
}
