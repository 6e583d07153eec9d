import type { Json } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { list, refuse } from './chat-to-anthropic-content.ts';

/** The smallest `thinking.budget_tokens` the API accepts. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * `reasoning_effort` → `budget_tokens`. No vendor publishes a table (a gateway policy, in
 * the bands of the extended-thinking guide: 1k minimum, 16k+ for complex tasks).
 */
const budgets: Record<string, number> = {
  minimal: MIN_THINKING_BUDGET,
  low: 2048,
  medium: 8192,
  high: 16_384,
  xhigh: 32_768,
  max: 65_536,
};

/** Chat's effort enum onto `output_config.effort` (which has no `minimal`). */
const efforts: Record<string, string> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'max',
};

/** What the rest of the Anthropic body says, as far as thinking depends on it. */
export interface ThinkingContext {
  maxTokens: number;
  adaptive: boolean;
  /** The Anthropic turns built from the chat messages. */
  messages: Json[];
  /** `tool_choice` is `any` or `tool`. */
  forcedTool: boolean;
}

export interface ThinkingFields {
  thinking?: Json;
  effort?: string;
}

/**
 * Chat's `reasoning_effort` as Claude's extended thinking. By default a token budget
 * (`thinking: {type: "enabled", budget_tokens}`), kept below `max_tokens` as the API
 * requires, thinking counting toward the cap as reasoning does in chat; with `adaptive`
 * (models that think adaptively), `thinking: {type: "adaptive"}` and the effort enum to
 * enum. An explicit Anthropic `thinking` object in the chat body wins. `none` or no
 * effort: no thinking.
 *
 * Refused, as the API would refuse them: a forced tool choice or a temperature other than
 * 1 (or top_p below 0.95) with thinking, and a cap too small for the minimum budget.
 * Dropped: thinking on a request continuing a tool call whose assistant turn came back
 * without its thinking blocks (a client that did not replay `extra_content`): the API
 * rejects that turn when thinking is on, and answers it with thinking off.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 * @see https://docs.anthropic.com/en/docs/build-with-claude/effort
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 */
export function thinkingOf(chat: Json, request: ThinkingContext): ThinkingFields {
  const fields = requestedThinking(chat, request.maxTokens, request.adaptive);
  if (!fields.thinking || fields.thinking['type'] === 'disabled') return fields;
  if (!continuationKeepsThinking(request.messages)) return {};
  if (request.forcedTool) {
    throw refuse('tool_choice', 'Claude cannot think when tool_choice forces a tool call; use "auto".');
  }
  const temperature = chat['temperature'];
  if (typeof temperature === 'number' && temperature !== 1) {
    throw refuse('temperature', 'Claude accepts only temperature 1 when it thinks (reasoning_effort).');
  }
  const topP = chat['top_p'];
  if (typeof topP === 'number' && topP < 0.95) {
    throw refuse('top_p', 'Claude accepts only top_p between 0.95 and 1 when it thinks (reasoning_effort).');
  }
  return fields;
}

function requestedThinking(chat: Json, maxTokens: number, adaptive: boolean): ThinkingFields {
  if (chat['thinking'] && typeof chat['thinking'] === 'object') return { thinking: obj(chat['thinking']) };
  const requested = chat['reasoning_effort'];
  if (requested === undefined || requested === null || requested === 'none') return {};
  const effort = String(requested);
  const budget = Object.hasOwn(budgets, effort) ? budgets[effort] : undefined;
  if (budget === undefined) throw refuse('reasoning_effort', `Unknown reasoning_effort "${effort}".`);
  if (adaptive) return { thinking: { type: 'adaptive' }, effort: efforts[effort] ?? 'medium' };
  const capped = Math.min(budget, maxTokens - 1);
  if (capped < MIN_THINKING_BUDGET) {
    throw refuse(
      'max_completion_tokens',
      `Claude thinks with a budget of at least ${MIN_THINKING_BUDGET} tokens below the output cap; raise max_completion_tokens above ${MIN_THINKING_BUDGET} or leave out reasoning_effort.`,
    );
  }
  return { thinking: { type: 'enabled', budget_tokens: capped } };
}

/**
 * When the conversation ends with tool results, the first assistant turn since the last
 * real user message must open with a thinking block (extended-thinking guide, "Preserving
 * thinking blocks").
 */
function continuationKeepsThinking(messages: Json[]): boolean {
  const last = messages.at(-1);
  const blocks = (message: Json | undefined) => list(message?.['content']);
  if (last?.['role'] !== 'user' || !blocks(last).some((block) => block['type'] === 'tool_result'))
    return true;
  const turnStart = messages.findLastIndex(
    (message) =>
      message['role'] === 'user' &&
      (typeof message['content'] === 'string' ||
        blocks(message).some((block) => block['type'] !== 'tool_result')),
  );
  const assistant = messages.find((message, index) => index > turnStart && message['role'] === 'assistant');
  const first = blocks(assistant)[0]?.['type'];
  return assistant === undefined || first === 'thinking' || first === 'redacted_thinking';
}
