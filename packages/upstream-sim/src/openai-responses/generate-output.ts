import { randomId } from '../ids.ts';
import { isRecord } from '../json.ts';
import {
  DEFAULT_REPLY_TOKENS,
  NO_TOOL_DIRECTIVE,
  REASONING_TOKENS,
  REPLY_TOKENS_DIRECTIVE,
} from '../openai-chat/generate-reply.ts';
import { sampleJson } from '../openai-chat/sample-json.ts';
import { loremTokens } from '../text/lorem.ts';
import { hashText } from '../text/seeded-random.ts';
import { countTokens, truncateToTokens } from '../text/tokens.ts';
import { sealReasoning } from './encrypted-reasoning.ts';
import { itemId } from './parse-input.ts';
import type {
  CallableTool,
  ContextItem,
  OutputItem,
  ReasoningSummary,
  ResponsesRequest,
  SummaryPart,
} from './types.ts';

/** Tokens of each reasoning summary part (not billed separately: the summary is a digest of the reasoning). */
const SUMMARY_TOKENS = 24;
/** Length of the free-form input of a custom tool call. */
const CUSTOM_INPUT_TOKENS = 8;

export interface GeneratedOutput {
  items: OutputItem[];
  /** The same items as context, for `previous_response_id` and later lookups by item id. */
  context: ContextItem[];
  /** Cut by `max_output_tokens`. */
  incomplete: boolean;
  /** Visible text or tool-call tokens. */
  outputTokens: number;
  reasoningTokens: number;
}

export interface GenerateOptions {
  /** Fault override; wins over the `[[sim:reply_tokens=N]]` directive. */
  replyTokens: number | undefined;
}

/**
 * The output items, deterministic for a given conversation like the Chat side's replies: a
 * `reasoning` item first when an effort is set, then a tool call (a fresh user turn under `auto`,
 * or a forced tool) or a message. Reasoning spends `max_output_tokens` first; what does not fit
 * is cut and the response becomes `incomplete`.
 */
export function generateOutput(
  request: ResponsesRequest,
  context: readonly ContextItem[],
  options: GenerateOptions,
): GeneratedOutput {
  const lastUser = context.findLast((item) => item.type === 'message' && item.role === 'user');
  const userText = lastUser?.type === 'message' ? lastUser.text : '';
  const directive = userText.match(REPLY_TOKENS_DIRECTIVE)?.[1];
  const targetTokens = options.replyTokens ?? (directive ? Number(directive) : DEFAULT_REPLY_TOKENS);
  const limit = request.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const seed = hashText(lastUser ? userText : request.model);
  const output: GeneratedOutput = {
    items: [],
    context: [],
    incomplete: false,
    outputTokens: 0,
    reasoningTokens: 0,
  };
  const effort = request.reasoning.effort;
  if (effort !== null && effort !== 'none') {
    output.reasoningTokens = Math.min(REASONING_TOKENS[effort], limit);
    addReasoning(output, request, seed);
  }
  const budget = limit - output.reasoningTokens;
  if (budget <= 0) {
    output.incomplete = true;
    return output;
  }
  const tool = chooseTool(request, context);
  if (tool?.kind === 'function') addFunctionCall(output, tool, budget);
  else if (tool?.kind === 'custom') addCustomToolCall(output, tool, budget, seed);
  else addMessage(output, composeText(request, context, targetTokens, seed), budget);
  return output;
}

function addReasoning(output: GeneratedOutput, request: ResponsesRequest, seed: number): void {
  const item: OutputItem = {
    id: itemId('rs'),
    type: 'reasoning',
    summary: summaryParts(request.reasoning.summary, seed),
  };
  if (request.include.includes('reasoning.encrypted_content')) {
    item.encrypted_content = sealReasoning({ tokens: output.reasoningTokens, seed });
  }
  output.items.push(item);
  output.context.push({
    type: 'reasoning',
    id: item.id,
    reasoningTokens: output.reasoningTokens,
    wire: item,
  });
}

/** One part (two for `detailed`), each a bold title and a paragraph, as the models write them. */
function summaryParts(summary: ReasoningSummary | null, seed: number): SummaryPart[] {
  if (summary === null) return [];
  return Array.from({ length: summary === 'detailed' ? 2 : 1 }, (_, index) => {
    const title = loremTokens(4, seed + 101 + index).replace(/[.,]$/, '');
    return {
      type: 'summary_text',
      text: `**${title}**\n\n${loremTokens(SUMMARY_TOKENS, seed + 211 + index)}`,
    };
  });
}

/**
 * `auto` calls a tool only in answer to a user turn, so a tool result gets a text answer and agent
 * loops end; `required`, a named tool and `allowed_tools` in required mode force a call. Built-in
 * tools are never run, so choosing one yields text.
 */
function chooseTool(request: ResponsesRequest, context: readonly ContextItem[]): CallableTool | undefined {
  const tools = request.tools;
  const choice = request.toolChoice;
  const last = context.at(-1);
  const freshUserTurn =
    last?.type === 'message' && last.role === 'user' && !last.text.includes(NO_TOOL_DIRECTIVE);
  switch (choice.kind) {
    case 'none':
    case 'builtin':
      return undefined;
    case 'named':
      return tools.find((tool) => tool.name === choice.name);
    case 'required':
      return tools[0];
    case 'allowed': {
      const allowed = tools.filter((tool) => choice.names.includes(tool.name));
      return choice.mode === 'required' || freshUserTurn ? allowed[0] : undefined;
    }
    case 'auto':
      return freshUserTurn ? tools[0] : undefined;
  }
}

function addFunctionCall(output: GeneratedOutput, tool: CallableTool, budget: number): void {
  const sampled = sampleJson(tool.parameters ?? { type: 'object' });
  const fullArguments = JSON.stringify(isRecord(sampled) ? sampled : {});
  const fitted = truncateToTokens(fullArguments, budget);
  const complete = fitted.text === fullArguments;
  const item: OutputItem = {
    id: itemId('fc'),
    type: 'function_call',
    status: complete ? 'completed' : 'incomplete',
    arguments: fitted.text,
    call_id: randomId('call_', 24),
    name: tool.name,
  };
  output.items.push(item);
  output.context.push({
    type: 'function_call',
    callId: item.call_id,
    name: item.name,
    arguments: item.arguments,
    wire: item,
  });
  output.outputTokens = fitted.tokens;
  output.incomplete = !complete;
}

function addCustomToolCall(output: GeneratedOutput, tool: CallableTool, budget: number, seed: number): void {
  const fullInput = loremTokens(CUSTOM_INPUT_TOKENS, seed);
  const fitted = truncateToTokens(fullInput, budget);
  const complete = fitted.text === fullInput;
  const item: OutputItem = {
    id: itemId('ctc'),
    type: 'custom_tool_call',
    status: complete ? 'completed' : 'incomplete',
    call_id: randomId('call_', 24),
    input: fitted.text,
    name: tool.name,
  };
  output.items.push(item);
  output.context.push({
    type: 'custom_tool_call',
    callId: item.call_id,
    name: item.name,
    input: item.input,
    wire: item,
  });
  output.outputTokens = fitted.tokens;
  output.incomplete = !complete;
}

function addMessage(output: GeneratedOutput, text: string, budget: number): void {
  const fitted = truncateToTokens(text, budget);
  const complete = fitted.text === text;
  const item: OutputItem = {
    id: itemId('msg'),
    type: 'message',
    status: complete ? 'completed' : 'incomplete',
    content: [{ type: 'output_text', annotations: [], logprobs: [], text: fitted.text }],
    role: 'assistant',
  };
  output.items.push(item);
  output.context.push({ type: 'message', role: 'assistant', text: fitted.text, images: [], wire: item });
  output.outputTokens = fitted.tokens;
  output.incomplete = !complete;
}

function composeText(
  request: ResponsesRequest,
  context: readonly ContextItem[],
  targetTokens: number,
  seed: number,
): string {
  const format = request.textFormat;
  if (format.type === 'json_schema') return JSON.stringify(sampleJson(format.schema));
  if (format.type === 'json_object') return JSON.stringify({ answer: loremTokens(targetTokens, seed) });
  const toolOutputs = trailingToolOutputs(context);
  if (toolOutputs.length === 0) return loremTokens(targetTokens, seed);
  const mention = `The tool returned: ${toolOutputs.join('; ')}.`;
  const rest = Math.max(0, targetTokens - countTokens(mention));
  return mention + loremTokens(rest, seed, { leadingSpace: true });
}

/**
 * Outputs of the latest round of tool calls (the calls, their reasoning and outputs interleave),
 * shortened so a huge result does not flood the reply.
 */
function trailingToolOutputs(context: readonly ContextItem[]): string[] {
  const outputs: string[] = [];
  for (let index = context.length - 1; index >= 0; index -= 1) {
    const item = context[index];
    if (item === undefined || item.type === 'message' || item.type === 'other') break;
    if (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output') continue;
    const text = item.output.replace(/\s+/g, ' ').trim();
    outputs.unshift(text.length > 200 ? `${text.slice(0, 200)}…` : text);
  }
  return outputs;
}
