import { randomId } from '../ids.ts';
import { isRecord } from '../json.ts';
import { loremTokens } from '../text/lorem.ts';
import { hashText } from '../text/seeded-random.ts';
import { countTokens, truncateToTokens } from '../text/tokens.ts';
import { sampleJson } from './sample-json.ts';
import type { ChatRequest, ChatTool, GeneratedChoice, ReasoningEffort } from './types.ts';

export const DEFAULT_REPLY_TOKENS = 30;

/** Hidden reasoning spent per effort level; the real amount varies, fixed values keep tests exact. */
export const REASONING_TOKENS: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 0,
  low: 64,
  medium: 192,
  high: 512,
  xhigh: 1024,
  max: 2048,
};

/** Test directive in the last user message, e.g. `[[sim:reply_tokens=200]]`. */
export const REPLY_TOKENS_DIRECTIVE = /\[\[sim:reply_tokens=(\d+)\]\]/;
/** Test directive: under `auto`, answer in text even though tools are offered (agent CLIs always send tools). */
export const NO_TOOL_DIRECTIVE = '[[sim:no_tool]]';

export interface GenerateOptions {
  /** Fault override; wins over the directive. */
  replyTokens: number | undefined;
  /** Generate past the request's output cap (a fault). */
  ignoreMaxTokens?: boolean;
}

interface ChoicePlan {
  seed: number;
  targetTokens: number;
  /** Tokens left after reasoning; Infinity without a limit. */
  budget: number;
  reasoningTokens: number;
}

/**
 * Deterministic replies derived from the request: the same conversation always gets the same
 * text, so tests can compare across runs, while `n` choices differ from each other.
 */
export function generateChoices(request: ChatRequest, options: GenerateOptions): GeneratedChoice[] {
  const lastUser = request.messages.findLast((message) => message.role === 'user');
  const directive = lastUser?.text.match(REPLY_TOKENS_DIRECTIVE)?.[1];
  const targetTokens = options.replyTokens ?? (directive ? Number(directive) : DEFAULT_REPLY_TOKENS);
  const limit = options.ignoreMaxTokens
    ? Number.POSITIVE_INFINITY
    : (request.maxCompletionTokens ?? Number.POSITIVE_INFINITY);
  // Reasoning models think first, so reasoning consumes max_completion_tokens before any output.
  const reasoningTokens = Math.min(REASONING_TOKENS[request.reasoningEffort ?? 'none'], limit);
  const baseSeed = hashText(lastUser?.text ?? request.model);
  const tool = chooseTool(request);
  const choices: GeneratedChoice[] = [];
  for (let index = 0; index < request.n; index++) {
    const plan = {
      seed: baseSeed + index * 7919,
      targetTokens,
      budget: limit - reasoningTokens,
      reasoningTokens,
    };
    choices.push(tool && plan.budget > 0 ? toolCallChoice(tool, plan) : textChoice(request, plan));
  }
  return choices;
}

/**
 * `auto` calls a tool only in answer to a user turn, so a tool result gets a text answer and agent
 * loops terminate; `required` and a named tool force a call, as upstream.
 */
function chooseTool(request: ChatRequest): ChatTool | undefined {
  const choice = request.toolChoice;
  if (choice.kind === 'none' || request.tools.length === 0) return undefined;
  if (choice.kind === 'named') return request.tools.find((tool) => tool.name === choice.name);
  if (choice.kind === 'auto' && request.messages.at(-1)?.role !== 'user') return undefined;
  if (choice.kind === 'auto' && JSON.stringify(request.messages.at(-1)).includes(NO_TOOL_DIRECTIVE))
    return undefined;
  return request.tools[0];
}

function toolCallChoice(tool: ChatTool, plan: ChoicePlan): GeneratedChoice {
  const sampled = sampleJson(tool.parameters ?? { type: 'object' });
  const fullArguments = JSON.stringify(isRecord(sampled) ? sampled : {});
  const fitted = truncateToTokens(fullArguments, plan.budget);
  return {
    content: null,
    toolCalls: [{ id: randomId('call_', 24), name: tool.name, arguments: fitted.text }],
    finishReason: fitted.text === fullArguments ? 'tool_calls' : 'length',
    outputTokens: fitted.tokens,
    reasoningTokens: plan.reasoningTokens,
  };
}

function textChoice(request: ChatRequest, plan: ChoicePlan): GeneratedChoice {
  const text = applyStop(composeText(request, plan), request.stop);
  const fitted = truncateToTokens(text, plan.budget);
  return {
    content: fitted.text,
    toolCalls: [],
    finishReason: fitted.text === text ? 'stop' : 'length',
    outputTokens: fitted.tokens,
    reasoningTokens: plan.reasoningTokens,
  };
}

function composeText(request: ChatRequest, plan: ChoicePlan): string {
  const format = request.responseFormat;
  if (format.type === 'json_schema') return JSON.stringify(sampleJson(format.schema ?? { type: 'object' }));
  if (format.type === 'json_object')
    return JSON.stringify({ answer: loremTokens(plan.targetTokens, plan.seed) });
  const toolOutputs = trailingToolOutputs(request);
  if (toolOutputs.length === 0) return loremTokens(plan.targetTokens, plan.seed);
  const mention = `The tool returned: ${toolOutputs.join('; ')}.`;
  const rest = Math.max(0, plan.targetTokens - countTokens(mention));
  return mention + loremTokens(rest, plan.seed, { leadingSpace: true });
}

/** Results of the latest round of tool calls, shortened so a huge result does not flood the reply. */
function trailingToolOutputs(request: ChatRequest): string[] {
  const outputs: string[] = [];
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index];
    if (message?.role !== 'tool') break;
    const text = message.text.replace(/\s+/g, ' ').trim();
    outputs.unshift(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  }
  return outputs;
}

/** Stop sequences end the text before the match and are not included, finish_reason `stop`. */
function applyStop(text: string, stop: readonly string[]): string {
  let cut = -1;
  for (const sequence of stop) {
    const at = sequence === '' ? -1 : text.indexOf(sequence);
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  return cut === -1 ? text : text.slice(0, cut);
}
