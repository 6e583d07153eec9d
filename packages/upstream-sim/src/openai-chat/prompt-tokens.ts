import { hashText } from '../text/seeded-random.ts';
import { TokenSequence } from '../text/token-sequence.ts';
import { tokenize } from '../text/tokens.ts';
import type { ChatMessage, ChatRequest, ImageInput } from './types.ts';

// o200k_base ids of <|im_start|>, <|im_end|>, <|im_sep|>: the three per-message overhead tokens
// of OpenAI's chat format.
export const IM_START = 200003;
const IM_END = 200004;
export const IM_SEP = 200005;
export const VOCABULARY = 199998;

/**
 * The prompt as a token sequence, counted the way OpenAI documents for chat models: 3 tokens per
 * message plus its role and content, 1 more plus the name when a name is set, and 3 to prime the
 * reply. Returning tokens (not a count) lets the prompt cache compare real prefixes.
 * @see https://cookbook.openai.com/examples/how_to_count_tokens_with_tiktoken
 */
export function promptTokens(request: ChatRequest): TokenSequence {
  const tokens = new TokenSequence();
  const preamble = renderPreamble(request);
  if (preamble !== '') appendMessage(tokens, 'system', undefined, tokenize(preamble));
  for (const message of request.messages)
    appendMessage(tokens, message.role, message.name, contentTokens(message));
  tokens.append(REPLY_PRIMER);
  return tokens;
}

/** `<|im_start|>assistant<|im_sep|>`, which primes the reply. */
export const REPLY_PRIMER: readonly number[] = [IM_START, ...tokenize('assistant'), IM_SEP];
const START: readonly number[] = [IM_START];
const SEP: readonly number[] = [IM_SEP];
const END: readonly number[] = [IM_END];

export function appendMessage(
  tokens: TokenSequence,
  role: string,
  name: string | undefined,
  content: readonly number[],
): void {
  tokens.append(START);
  tokens.append(tokenize(role));
  // The name costs one separator token besides its own tokens.
  if (name !== undefined) {
    tokens.append(SEP);
    tokens.append(tokenize(name));
  }
  tokens.append(SEP);
  tokens.append(content);
  tokens.append(END);
}

function contentTokens(message: ChatMessage): readonly number[] {
  const text = tokenize(message.text);
  if (message.images.length === 0 && message.toolCalls.length === 0) return text;
  const tokens = [...text];
  for (const image of message.images) append(tokens, imageTokens(image));
  for (const call of message.toolCalls) append(tokens, tokenize(call.name + call.arguments));
  return tokens;
}

/**
 * Images cost 85 tokens at low detail, plus 170 per 512px tile otherwise. The simulator never
 * fetches the image, so it assumes a 1024×1024 picture (4 tiles). The filler token is derived
 * from the URL so a different image breaks a cached prefix, as it would upstream.
 * @see https://platform.openai.com/docs/guides/images-vision#calculating-costs
 */
export function imageTokens(image: ImageInput): number[] {
  const count = image.detail === 'low' ? 85 : 85 + 170 * 4;
  return new Array<number>(count).fill(hashText(image.url) % VOCABULARY);
}

/**
 * OpenAI renders tool definitions and structured-output schemas into a hidden system preamble,
 * which is why they count as prompt tokens and sit at the front of the cached prefix.
 */
function renderPreamble(request: ChatRequest): string {
  const sections: string[] = [];
  if (request.tools.length > 0) {
    const functions = request.tools.map((tool) => {
      const comment = tool.description ? `// ${tool.description}\n` : '';
      return `${comment}type ${tool.name} = (_: ${JSON.stringify(tool.parameters ?? {})}) => any;`;
    });
    sections.push(
      `# Tools\n\n## functions\n\nnamespace functions {\n\n${functions.join('\n\n')}\n\n} // namespace functions`,
    );
  }
  if (request.responseFormat.type === 'json_schema') {
    sections.push(`# Response Formats\n\n${JSON.stringify(request.responseFormat.schema ?? {})}`);
  }
  return sections.join('\n\n');
}

/** push(...source) overflows the stack for very long prompts. */
export function append(target: number[], source: readonly number[]): void {
  for (const token of source) target.push(token);
}
