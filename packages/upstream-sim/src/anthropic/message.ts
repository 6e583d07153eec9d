import { randomId } from '../ids.ts';
import type { CacheUsage } from './prompt-cache.ts';
import type { GeneratedReply, OutputBlock } from './types.ts';

/** Everything both response shapes (JSON and SSE) are rendered from. */
export interface SimMessage {
  id: string;
  model: string;
  reply: GeneratedReply;
  usage: MessageUsage;
}

/**
 * `Usage`: `input_tokens` is only the uncached part; the whole prompt is
 * `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`.
 * @see https://docs.claude.com/en/api/messages#response-usage
 */
export interface MessageUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  output_tokens_details?: { thinking_tokens: number };
  service_tier: 'standard';
}

export function createMessage(
  model: string,
  promptTokens: number,
  cache: CacheUsage,
  reply: GeneratedReply,
  thinkingOn: boolean,
): SimMessage {
  const creation = cache.creation5m + cache.creation1h;
  return {
    id: randomId('msg_01', 22),
    model,
    reply,
    usage: {
      input_tokens: promptTokens - cache.readTokens - creation,
      cache_creation_input_tokens: creation,
      cache_read_input_tokens: cache.readTokens,
      cache_creation: {
        ephemeral_5m_input_tokens: cache.creation5m,
        ephemeral_1h_input_tokens: cache.creation1h,
      },
      output_tokens: reply.outputTokens,
      ...(thinkingOn ? { output_tokens_details: { thinking_tokens: reply.thinkingTokens } } : {}),
      service_tier: 'standard',
    },
  };
}

/** A content block as the API returns it. */
export function renderBlock(block: OutputBlock): Record<string, unknown> {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
  }
}

/**
 * The `Message` object, fields in the API's order.
 * @see https://docs.claude.com/en/api/messages#response
 */
export function messageBody(message: SimMessage): Record<string, unknown> {
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content: message.reply.content.map(renderBlock),
    stop_reason: message.reply.stopReason,
    stop_sequence: message.reply.stopSequence,
    stop_details: null,
    container: null,
    usage: message.usage,
  };
}
