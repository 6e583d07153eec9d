/**
 * Token counts for when an upstream never reported usage (a stream the client
 * abandoned, or a provider without stream usage) and for the count-tokens endpoints.
 * o200k is loaded on first use (~0.4 s, ~75 MB of ranks), not at startup: the hot path never
 * counts (holds are bounded by body bytes; upstreams report usage), so a gateway that never
 * needs a count never pays for it. `warmTokenizer()` loads it ahead, for tests and tools.
 *
 * Counting is bounded in time and size, and never holds the event loop for long:
 * byte-pair encoding is superlinear in the length of one unbroken "word" (150 KB of
 * random letters took seconds in one call), so text is encoded in pieces of at most
 * `pieceChars` characters, yielding to the event loop between pieces; and at most
 * `exactLimitChars` characters are encoded per count. Longer text is estimated: evenly
 * spread samples of it are encoded and their tokens-per-character ratio is applied to
 * the whole length (rounded up). A token is at least one UTF-8 byte, so no estimate
 * exceeds the byte length of the text.
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

/** Largest piece encoded in one synchronous call (a few milliseconds at worst). */
export const pieceChars = 1_000;
/** Text up to this length is counted exactly; longer text is estimated from samples. */
export const exactLimitChars = 64 * 1024;
const sampleCount = 16;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Cuts `text` into pieces of at most `pieceChars`, preferring a cut before whitespace (o200k tokens carry their leading space), never inside a surrogate pair. */
function pieces(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + pieceChars);
    if (end < text.length) {
      const space = text.slice(start + pieceChars / 2, end).search(/\s\S*$/);
      if (space > 0) end = start + pieceChars / 2 + space;
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end--;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

async function countExact(text: string): Promise<number> {
  const { countTokens } = await load();
  let total = 0;
  for (const piece of pieces(text)) {
    total += countTokens(piece);
    await yieldToEventLoop();
  }
  return total;
}

async function estimate(text: string): Promise<number> {
  const sampleChars = Math.floor(exactLimitChars / sampleCount);
  const stride = Math.floor((text.length - sampleChars) / (sampleCount - 1));
  let sampled = '';
  for (let index = 0; index < sampleCount; index++) {
    const from = index * stride;
    sampled += `${text.slice(from, from + sampleChars)}\n`;
  }
  const ratio = (await countExact(sampled)) / sampled.length;
  return Math.min(Buffer.byteLength(text), Math.ceil(ratio * text.length));
}

/** Tokens of `text`: exact up to `exactLimitChars`, a sampled estimate beyond. */
export async function countTextTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  return text.length <= exactLimitChars ? countExact(text) : estimate(text);
}

/** Per-message framing overhead as OpenAI documents for chat token counting. */
const tokensPerMessage = 3;
const replyPriming = 3;

export async function countMessageTokens(messages: unknown): Promise<number> {
  if (!Array.isArray(messages)) return 0;
  const texts = messages.map((message) => textOf(message, 0));
  const framing = replyPriming + tokensPerMessage * texts.length;
  const length = texts.reduce((sum, text) => sum + text.length, 0);
  // One bounded count of everything when the messages together are long.
  if (length > exactLimitChars) return framing + (await countTextTokens(texts.join('\n')));
  let total = framing;
  for (const text of texts) total += await countTextTokens(text);
  return total;
}

/** Deeper than any real message; bounds the recursion whatever the input. */
const maxDepth = 64;

/** All text a message carries: string content, text parts, tool calls and names. */
function textOf(value: unknown, depth: number): string {
  if (typeof value === 'string') return value;
  if (depth > maxDepth) return '';
  if (Array.isArray(value)) return value.map((item) => textOf(item, depth + 1)).join('\n');
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return ['role', 'name', 'content', 'text', 'tool_calls', 'function', 'arguments', 'refusal']
      .map((field) => textOf(record[field], depth + 1))
      .filter((text) => text.length > 0)
      .join('\n');
  }
  return '';
}
