import { randomId } from '../ids.ts';
import { isRecord } from '../json.ts';
import {
  DEFAULT_REPLY_TOKENS,
  NO_TOOL_DIRECTIVE,
  REPLY_TOKENS_DIRECTIVE,
} from '../openai-chat/generate-reply.ts';
import { sampleJson } from '../openai-chat/sample-json.ts';
import { loremTokens } from '../text/lorem.ts';
import { hashText } from '../text/seeded-random.ts';
import { countTokens, truncateToTokens } from '../text/tokens.ts';
import type { ThinkingSigner } from './thinking-signature.ts';
import type { Effort, GeneratedReply, MessagesRequest, OutputBlock, ToolDefinition } from './types.ts';

/**
 * Visible thinking per effort level (`output_config.effort`, default `high`); `budget_tokens`
 * caps it. Real amounts vary, fixed values keep tests exact.
 */
export const THINKING_TOKENS: Record<Effort, number> = { low: 16, medium: 32, high: 64, xhigh: 96, max: 128 };

export interface GenerateOptions {
  /** Fault override; wins over the `[[sim:reply_tokens=N]]` directive. */
  replyTokens: number | undefined;
  signer: ThinkingSigner;
}

/**
 * A deterministic reply: the same conversation always gets the same text. Thinking (when on)
 * comes first and spends `max_tokens` first; then a tool call when a tool is due, else text.
 * Token counts are exact o200k counts of what is returned.
 */
export function generateReply(request: MessagesRequest, options: GenerateOptions): GeneratedReply {
  const limit = request.maxTokens ?? 0;
  const userText = lastUserText(request);
  const directive = userText?.match(REPLY_TOKENS_DIRECTIVE)?.[1];
  const targetTokens = options.replyTokens ?? (directive ? Number(directive) : DEFAULT_REPLY_TOKENS);
  const seed = hashText(userText ?? request.model);
  const reply: GeneratedReply = {
    content: [],
    stopReason: 'end_turn',
    stopSequence: null,
    outputTokens: 0,
    thinkingTokens: 0,
  };
  // max_tokens 0 pre-warms the prompt cache without generating anything.
  if (limit <= 0) return { ...reply, stopReason: 'max_tokens' };
  const thinking = request.thinking;
  if (thinking.type !== 'disabled') {
    const planned = Math.min(
      THINKING_TOKENS[request.effort ?? 'high'],
      thinking.type === 'enabled' ? thinking.budgetTokens : Number.POSITIVE_INFINITY,
    );
    const full = loremTokens(planned, seed ^ 0x5bd1e995);
    const fitted = truncateToTokens(full, limit);
    // `display: "omitted"` returns an empty thinking text; the signature still round-trips it.
    const shown = thinking.display === 'omitted' ? '' : fitted.text;
    reply.content.push({ type: 'thinking', thinking: shown, signature: options.signer.sign(shown) });
    reply.thinkingTokens = fitted.tokens;
    reply.outputTokens = fitted.tokens;
    if (fitted.text !== full) return { ...reply, stopReason: 'max_tokens' };
  }
  const budget = limit - reply.outputTokens;
  if (budget <= 0) return { ...reply, stopReason: 'max_tokens' };
  const tool = chooseTool(request);
  if (tool) return appendToolUse(reply, tool, budget);
  return appendText(reply, request, { seed, targetTokens, budget });
}

/** Text of the newest user message that has any; it seeds the reply and may carry the directive. */
function lastUserText(request: MessagesRequest): string | undefined {
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index];
    if (message?.role !== 'user') continue;
    const texts = message.blocks.flatMap((block) => (block.kind === 'text' ? [block.text] : []));
    if (texts.length > 0) return texts.join('\n');
  }
  return undefined;
}

/**
 * `auto` calls a tool only in answer to a fresh user turn, so a tool result gets a text answer and
 * agent loops terminate; `any` and a named tool always call one. Server tools are never called.
 */
function chooseTool(request: MessagesRequest): ToolDefinition | undefined {
  const choice = request.toolChoice;
  const callable = request.tools.filter((tool) => tool.custom);
  if (choice.type === 'none') return undefined;
  if (choice.type === 'tool') return callable.find((tool) => tool.name === choice.name);
  if (choice.type === 'any') return callable[0];
  const last = request.messages.at(-1);
  if (last?.role !== 'user' || last.blocks.some((block) => block.kind === 'tool_result')) return undefined;
  if (last.blocks.some((block) => block.kind === 'text' && block.text.includes(NO_TOOL_DIRECTIVE)))
    return undefined;
  return callable[0];
}

/**
 * A tool call whose input does not fit the remaining `max_tokens` is cut: the block stays, with an
 * empty input, and the stop reason is `max_tokens`.
 */
function appendToolUse(reply: GeneratedReply, tool: ToolDefinition, budget: number): GeneratedReply {
  const sampled = sampleJson(tool.inputSchema);
  const input = isRecord(sampled) ? sampled : {};
  const json = JSON.stringify(input);
  const tokens = countTokens(json);
  const id = randomId('toolu_01', 22);
  if (tokens > budget) {
    const block: OutputBlock = { type: 'tool_use', id, name: tool.name, input: {}, json: '' };
    return {
      ...reply,
      content: [...reply.content, block],
      stopReason: 'max_tokens',
      outputTokens: reply.outputTokens + budget,
    };
  }
  const block: OutputBlock = { type: 'tool_use', id, name: tool.name, input, json };
  return {
    ...reply,
    content: [...reply.content, block],
    stopReason: 'tool_use',
    outputTokens: reply.outputTokens + tokens,
  };
}

function appendText(
  reply: GeneratedReply,
  request: MessagesRequest,
  plan: { seed: number; targetTokens: number; budget: number },
): GeneratedReply {
  const composed = composeText(request, plan);
  const stopped = applyStopSequences(composed, request.stopSequences);
  const fitted = truncateToTokens(stopped.text, plan.budget);
  const truncated = fitted.text !== stopped.text;
  const content =
    fitted.text === '' ? reply.content : [...reply.content, { type: 'text' as const, text: fitted.text }];
  return {
    ...reply,
    content,
    stopReason: truncated ? 'max_tokens' : stopped.sequence !== null ? 'stop_sequence' : 'end_turn',
    stopSequence: truncated ? null : stopped.sequence,
    outputTokens: reply.outputTokens + fitted.tokens,
  };
}

function composeText(request: MessagesRequest, plan: { seed: number; targetTokens: number }): string {
  if (request.outputSchema) return JSON.stringify(sampleJson(request.outputSchema));
  const results = trailingToolResults(request);
  if (results.length === 0) return loremTokens(plan.targetTokens, plan.seed);
  const mention = `The tool returned: ${results.join('; ')}.`;
  const rest = Math.max(0, plan.targetTokens - countTokens(mention));
  return mention + loremTokens(rest, plan.seed, { leadingSpace: true });
}

/** Results in the last user message, shortened so a huge result does not flood the reply. */
function trailingToolResults(request: MessagesRequest): string[] {
  const last = request.messages.at(-1);
  if (last?.role !== 'user') return [];
  return last.blocks.flatMap((block) => {
    if (block.kind !== 'tool_result') return [];
    const text = block.text.replace(/\s+/g, ' ').trim();
    return [text.length > 200 ? `${text.slice(0, 200)}…` : text];
  });
}

/** The earliest match ends the text before it; the API reports which sequence matched. */
function applyStopSequences(
  text: string,
  sequences: readonly string[],
): { text: string; sequence: string | null } {
  let cut = -1;
  let matched: string | null = null;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at !== -1 && (cut === -1 || at < cut)) {
      cut = at;
      matched = sequence;
    }
  }
  return cut === -1 ? { text, sequence: null } : { text: text.slice(0, cut), sequence: matched };
}
