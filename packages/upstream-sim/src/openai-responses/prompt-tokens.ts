import {
  append,
  appendMessage,
  imageTokens,
  REPLY_PRIMER,
  VOCABULARY,
} from '../openai-chat/prompt-tokens.ts';
import { hashText } from '../text/seeded-random.ts';
import { TokenSequence } from '../text/token-sequence.ts';
import { tokenize } from '../text/tokens.ts';
import type { ContextItem, ResponsesRequest } from './types.ts';

/**
 * The model's context as a token sequence, in the Chat format's accounting (3 tokens per message
 * plus role and content, 3 to prime the reply): the hidden tool/format preamble, `instructions` as
 * a developer message, then the items. Tool calls count as assistant turns, tool outputs as tool
 * turns. Reasoning items count only inside the current tool loop (after the last user message):
 * the API drops the reasoning of earlier turns from the context.
 * @see https://platform.openai.com/docs/guides/reasoning#keeping-reasoning-items-in-context
 */
export function responsesPromptTokens(
  request: ResponsesRequest,
  context: readonly ContextItem[],
): TokenSequence {
  const tokens = new TokenSequence();
  const preamble = renderPreamble(request);
  if (preamble !== '') appendMessage(tokens, 'system', undefined, tokenize(preamble));
  if (request.instructions !== '')
    appendMessage(tokens, 'developer', undefined, tokenize(request.instructions));
  const lastUser = context.findLastIndex((item) => item.type === 'message' && item.role === 'user');
  context.forEach((item, index) => {
    switch (item.type) {
      case 'message': {
        const content = [...tokenize(item.text)];
        for (const image of item.images) append(content, imageTokens(image));
        appendMessage(tokens, item.role, undefined, content);
        break;
      }
      case 'function_call':
        appendMessage(tokens, 'assistant', undefined, tokenize(item.name + item.arguments));
        break;
      case 'custom_tool_call':
        appendMessage(tokens, 'assistant', undefined, tokenize(item.name + item.input));
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        appendMessage(tokens, 'tool', undefined, tokenize(item.output));
        break;
      case 'reasoning':
        // Hidden tokens: a filler derived from the item, so a different item breaks a cached prefix.
        if (index > lastUser) {
          tokens.append(new Array<number>(item.reasoningTokens).fill(hashText(item.id) % VOCABULARY));
        }
        break;
      case 'other':
        appendMessage(tokens, 'tool', undefined, tokenize(JSON.stringify(item.wire)));
        break;
    }
  });
  tokens.append(REPLY_PRIMER);
  return tokens;
}

/**
 * Function and custom tools and a `json_schema` format are rendered into a hidden system preamble,
 * as on the Chat side, so they count as input and lead the cached prefix. Built-in tools are not
 * rendered.
 */
function renderPreamble(request: ResponsesRequest): string {
  const sections: string[] = [];
  if (request.tools.length > 0) {
    const declarations = request.tools.map((tool) => {
      const comment = tool.description ? `// ${tool.description}\n` : '';
      const parameter = tool.kind === 'function' ? JSON.stringify(tool.parameters ?? {}) : 'string';
      return `${comment}type ${tool.name} = (_: ${parameter}) => any;`;
    });
    sections.push(
      `# Tools\n\n## functions\n\nnamespace functions {\n\n${declarations.join('\n\n')}\n\n} // namespace functions`,
    );
  }
  if (request.textFormat.type === 'json_schema') {
    sections.push(`# Response Formats\n\n${JSON.stringify(request.textFormat.schema)}`);
  }
  return sections.join('\n\n');
}
