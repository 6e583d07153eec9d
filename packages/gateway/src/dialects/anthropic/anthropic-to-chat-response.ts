import { randomUUID } from 'node:crypto';
import type {
  ChatCompletion,
  ChatFinishReason,
  ChatToolCall,
  ChatUsage,
  Json,
  TokenUsage,
} from '../../contracts/index.ts';
import { type ContentBlock, contentBlockSchema, readMessage } from './message-schema.ts';
import { type ThinkingBlock, thinkingExtra } from './thinking-carrier.ts';
import { readAnthropicUsage } from './usage.ts';

type ChatChoice = ChatCompletion['choices'][number];

/**
 * `stop_reason` → `finish_reason` (a gateway table: no vendor publishes one). `pause_turn`
 * only follows server tools, which the chat codec never offers; an unknown or missing
 * reason ended normally.
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
const finishReasons: Record<string, ChatFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function chatFinishReason(stopReason: unknown, calledTools: boolean): ChatFinishReason {
  const mapped = typeof stopReason === 'string' ? finishReasons[stopReason] : undefined;
  return mapped ?? (calledTools ? 'tool_calls' : 'stop');
}

/**
 * Anthropic usage in chat's shape: the prompt is the whole input (uncached + cache reads +
 * cache writes), cache reads are `cached_tokens` and writes `cache_write_tokens`, thinking
 * is part of the completion and its share `reasoning_tokens`.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function chatUsageOf(usage: TokenUsage): ChatUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: {
      cached_tokens: usage.cachedInputTokens,
      cache_write_tokens: usage.cacheWriteTokens,
    },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/**
 * A `tool_use` block as a chat tool call: `input` as a JSON string, carried thinking in `extra_content`.
 * @see https://docs.anthropic.com/en/api/messages#response-content
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices-message-tool_calls
 */
export function chatToolCall(block: ContentBlock, thinking: readonly ThinkingBlock[]): ChatToolCall {
  const extra = thinkingExtra(thinking);
  return {
    id: block.id ?? '',
    type: 'function',
    function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) },
    ...(extra ? { extra_content: extra } : {}),
  };
}

/**
 * A finished `thinking` / `redacted_thinking` block, as it must be replayed.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
export function thinkingBlockOf(block: ContentBlock): ThinkingBlock | undefined {
  if (block.type === 'thinking') {
    return { type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' };
  }
  if (block.type === 'redacted_thinking') return { type: 'redacted_thinking', data: block.data ?? '' };
  return undefined;
}

/**
 * An Anthropic `Message` → a chat.completion with one choice: text blocks joined as
 * `content`, thinking text as `reasoning_content` (as DeepSeek and the Gemini codec give
 * it), each `tool_use` a tool call with its `input` as a JSON string and the thinking
 * blocks before it in its `extra_content` (see thinking-carrier), `stop_reason` as
 * `finish_reason` (a matched stop string also as vLLM's `stop_reason`), usage with the
 * cached input counted in the prompt. Server-tool blocks are not shown (never offered).
 * @see https://docs.anthropic.com/en/api/messages#response
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function anthropicToChatResponse(native: Json, upstreamModel: string): ChatCompletion {
  const message = readMessage(native);
  const texts: string[] = [];
  const thoughts: string[] = [];
  const calls: ChatToolCall[] = [];
  let pending: ThinkingBlock[] = [];
  for (const raw of message.content ?? []) {
    const read = contentBlockSchema.safeParse(raw);
    if (!read.success) continue;
    const block = read.data;
    const thinking = thinkingBlockOf(block);
    if (thinking) {
      pending.push(thinking);
      if (block.thinking) thoughts.push(block.thinking);
    } else if (block.type === 'text') texts.push(block.text ?? '');
    else if (block.type === 'tool_use') {
      calls.push(chatToolCall(block, pending));
      pending = [];
    }
  }
  const choice: ChatChoice & { stop_reason?: string } = {
    index: 0,
    message: {
      role: 'assistant',
      content: texts.length > 0 || calls.length === 0 ? texts.join('') : null,
      ...(thoughts.length > 0 ? { reasoning_content: thoughts.join('') } : {}),
      ...(calls.length > 0 ? { tool_calls: calls } : {}),
    },
    finish_reason: chatFinishReason(message.stop_reason, calls.length > 0),
    logprobs: null,
    ...(typeof message.stop_sequence === 'string' ? { stop_reason: message.stop_sequence } : {}),
  };
  const usage = readAnthropicUsage(message.usage);
  return {
    id: `chatcmpl-${message.id ?? randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model ?? upstreamModel,
    choices: [choice],
    ...(usage ? { usage: chatUsageOf(usage) } : {}),
  };
}
