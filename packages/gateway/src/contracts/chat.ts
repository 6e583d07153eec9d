/**
 * The canonical request and answer: Chat Completions, typed for what the gateway's
 * codecs produce and read. Every client dialect translates its request into a
 * `ChatRequest` (unless its upstream speaks its own format) and reads a
 * `ChatCompletion` back; an upstream with its own format (Gemini) does the same from
 * the other side. Unknown fields are allowed (`[field: string]: unknown`): a chat
 * client's extra fields pass through to a chat upstream untouched.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

type Json = Record<string, unknown>;

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Google's carrier for a Gemini 3 `thoughtSignature`. */
  extra_content?: Json;
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string | ChatContentPart[] }
  | { role: 'user'; content: string | ChatContentPart[] }
  | {
      role: 'assistant';
      content: string | ChatContentPart[] | null;
      tool_calls?: ChatToolCall[];
      /** Reasoning text a thinking-mode upstream wants back with the calls it made. */
      reasoning_content?: string;
      extra_content?: Json;
    }
  | { role: 'tool'; tool_call_id: string; content: string | ChatContentPart[] };

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Json; strict?: boolean };
}

export type ChatToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } }
  | { type: 'allowed_tools'; allowed_tools: { mode: 'auto' | 'required'; tools: Json[] } };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  n?: number;
  response_format?: { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: Json };
  reasoning_effort?: string;
  [field: string]: unknown;
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [field: string]: unknown };
  completion_tokens_details?: { reasoning_tokens?: number; [field: string]: unknown };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: Extract<ChatMessage, { role: 'assistant' }> & { refusal?: string | null };
    finish_reason: ChatFinishReason | null;
    logprobs: null;
  }>;
  usage?: ChatUsage;
  [field: string]: unknown;
}
