/**
 * Anthropic Messages on `POST /v1/messages` (https://docs.anthropic.com/en/api/messages).
 * Unknown fields (thinking, cache_control, context_management…) pass through.
 */
export interface MessageContentBlock {
  type: 'text' | 'image' | 'tool_use' | 'tool_result' | 'thinking' | (string & {});
  text?: string;
  [extra: string]: unknown;
}

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | MessageContentBlock[];
}

export interface MessageCreateParams {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: string | MessageContentBlock[];
  temperature?: number;
  tools?: Array<Record<string, unknown>>;
  thinking?: { type: 'enabled' | 'disabled' | 'adaptive'; budget_tokens?: number };
  [extra: string]: unknown;
}

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: MessageContentBlock[];
  stop_reason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | (string & {}) | null;
  stop_sequence: string | null;
  usage: MessageUsage;
}

/** One streamed event: message_start, content_block_delta, message_stop, ping… */
export interface MessageStreamEvent {
  type: string;
  index?: number;
  delta?: { type?: string; text?: string; [extra: string]: unknown };
  message?: Message;
  [extra: string]: unknown;
}

export interface MessageTokenCount {
  input_tokens: number;
}
