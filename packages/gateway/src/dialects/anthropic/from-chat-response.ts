import { randomUUID } from 'node:crypto';
import type { Json, TokenUsage } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import { readChatUsage } from '../openai-chat/usage.ts';

export const newAnthropicId = (prefix: 'msg' | 'toolu'): string =>
  `${prefix}_${randomUUID().replaceAll('-', '')}`;

export interface ChatToAnthropicOptions {
  /**
   * Receives the upstream's reasoning for a turn that called tools, so a caller can
   * hand it back through `anthropicToChat`'s `reasoningFor` (the client never sees it).
   */
  onReasoning?: (toolCallIds: readonly string[], reasoning: string) => void;
  /** Receives a tool call's `extra_content`, which Anthropic blocks cannot carry (see `extraFor`). */
  onToolCallExtra?: (toolCallId: string, extra: Record<string, unknown>) => void;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * A chat.completion → an Anthropic `Message`: text first, then one `tool_use` block per
 * call, as chat has no interleaving. Only the first choice exists in Anthropic.
 *
 * `reasoning_content` is not shown as a `thinking` block: the client would replay it
 * with a signature no Anthropic upstream accepts, so reasoning that crosses vendors is
 * dropped (a caller may keep it via `onReasoning`).
 * @see https://docs.anthropic.com/en/api/messages#response-content
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function chatToAnthropic(chat: Json, request: Json, options: ChatToAnthropicOptions = {}): Json {
  const choice = obj(((chat['choices'] as Json[] | undefined) ?? [])[0]);
  const message = obj(choice['message']);
  const text = [message['content'], message['refusal']].filter((part) => typeof part === 'string').join('');
  const calls = ((message['tool_calls'] as Json[] | undefined) ?? []).map((call): ToolCall => {
    const fn = obj(call['function']);
    const id = typeof call['id'] === 'string' ? call['id'] : newAnthropicId('toolu');
    if (call['extra_content'] && typeof call['extra_content'] === 'object') {
      options.onToolCallExtra?.(id, call['extra_content'] as Json);
    }
    return {
      id,
      name: String(fn['name'] ?? ''),
      arguments: typeof fn['arguments'] === 'string' ? fn['arguments'] : '',
    };
  });
  const reasoning = message['reasoning_content'] ?? message['reasoning'];
  if (typeof reasoning === 'string' && reasoning.length > 0 && calls.length > 0) {
    options.onReasoning?.(
      calls.map((call) => call.id),
      reasoning,
    );
  }
  const content: Json[] = text.length > 0 ? [{ type: 'text', text }] : [];
  content.push(...calls.map(toolUseBlock));
  return anthropicMessage(request, {
    id: newAnthropicId('msg'),
    model: String(chat['model'] ?? request['model'] ?? ''),
    content,
    finishReason: choice['finish_reason'],
    matchedStop: choice['stop_reason'],
    usage: readChatUsage(chat['usage']),
  });
}

/**
 * Chat `arguments` is a string the model wrote and may have broken (or cut off at the
 * token limit); Anthropic's `input` must be an object. Anything that does not parse to
 * one becomes `{}`, so the client's tool reports the missing arguments to the model
 * instead of the whole answer failing.
 */
export function toolInput(args: string): Json {
  if (args.trim().length === 0) return {};
  try {
    const input: unknown = JSON.parse(args);
    return input && typeof input === 'object' && !Array.isArray(input) ? (input as Json) : {};
  } catch {
    return {};
  }
}

export const toolUseBlock = (call: ToolCall): Json => ({
  type: 'tool_use',
  id: call.id,
  name: call.name,
  input: toolInput(call.arguments),
});

/**
 * Chat `finish_reason` → Anthropic `stop_reason`; anything unknown ended normally.
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
const stopReasons: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/**
 * Chat does not say which stop string matched (the text omits it); vLLM and SGLang
 * do, in the choice's `stop_reason`. Some upstreams end tool calls with `stop`.
 */
export function stopOf(
  finishReason: unknown,
  matchedStop: unknown,
  request: Json,
  calledTools: boolean,
): { stopReason: string; stopSequence: string | null } {
  const sequences = Array.isArray(request['stop_sequences']) ? (request['stop_sequences'] as unknown[]) : [];
  if (finishReason === 'stop' && typeof matchedStop === 'string' && sequences.includes(matchedStop)) {
    return { stopReason: 'stop_sequence', stopSequence: matchedStop };
  }
  if (calledTools && (finishReason === 'stop' || finishReason === null || finishReason === undefined)) {
    return { stopReason: 'tool_use', stopSequence: null };
  }
  return { stopReason: stopReasons[String(finishReason)] ?? 'end_turn', stopSequence: null };
}

/**
 * Anthropic counts uncached input apart from cache reads and writes; chat's prompt
 * count includes both, so the parts add up to `prompt_tokens`.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export function anthropicUsageOf(usage: TokenUsage | null): Json {
  const read = usage?.cachedInputTokens ?? 0;
  const write = usage?.cacheWriteTokens ?? 0;
  const result: Json = {
    input_tokens: Math.max(0, (usage?.inputTokens ?? 0) - read - write),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: usage?.outputTokens ?? 0,
  };
  if (usage && usage.reasoningTokens > 0) {
    result['output_tokens_details'] = { thinking_tokens: usage.reasoningTokens };
  }
  return result;
}

export function anthropicMessage(
  request: Json,
  fields: {
    id: string;
    model: string;
    content: Json[];
    finishReason: unknown;
    matchedStop: unknown;
    usage: TokenUsage | null;
  },
): Json {
  const calledTools = fields.content.some((block) => block['type'] === 'tool_use');
  const { stopReason, stopSequence } = stopOf(fields.finishReason, fields.matchedStop, request, calledTools);
  return {
    id: fields.id,
    type: 'message',
    role: 'assistant',
    model: fields.model,
    content: fields.content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    stop_details: null,
    usage: anthropicUsageOf(fields.usage),
  };
}
