/**
 * Token counts for when an upstream never reported usage (a stream the client
 * abandoned, or a provider without stream usage). o200k is loaded on first use
 * (~0.4 s), so `warmTokenizer()` runs once after startup.
 */
type Tokenizer = { countTokens(text: string): number };
let tokenizer: Promise<Tokenizer> | undefined;

function load(): Promise<Tokenizer> {
  tokenizer ??= import('gpt-tokenizer/encoding/o200k_base');
  return tokenizer;
}

export function warmTokenizer(): void {
  load().catch(() => undefined);
}

export async function countTextTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  return (await load()).countTokens(text);
}

/** Per-message framing overhead as OpenAI documents for chat token counting. */
const tokensPerMessage = 3;
const replyPriming = 3;

export async function countMessageTokens(messages: unknown): Promise<number> {
  if (!Array.isArray(messages)) return 0;
  let total = replyPriming;
  for (const message of messages) {
    total += tokensPerMessage + (await countTextTokens(textOf(message)));
  }
  return total;
}

/** All text a message carries: string content, text parts, tool calls and names. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join('\n');
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return ['role', 'name', 'content', 'text', 'tool_calls', 'function', 'arguments', 'refusal']
      .map((field) => textOf(record[field]))
      .filter((text) => text.length > 0)
      .join('\n');
  }
  return '';
}
