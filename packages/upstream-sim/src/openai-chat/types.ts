/**
 * The simulator's normalized view of a Chat Completions request: only what shapes the reply and
 * its usage. Built by `parse-request.ts` from the lenient wire JSON.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  includeObfuscation: boolean;
  /** `max_completion_tokens`, else the deprecated `max_tokens`. */
  maxCompletionTokens: number | undefined;
  n: number;
  stop: string[];
  reasoningEffort: ReasoningEffort | undefined;
  tools: ChatTool[];
  toolChoice: ToolChoice;
  responseFormat: ResponseFormat;
  serviceTier: string | undefined;
}

export const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'] as const;
export type Role = (typeof ROLES)[number];

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export interface ChatMessage {
  role: Role;
  /** Text parts joined; '' for null content. */
  text: string;
  images: ImageInput[];
  name: string | undefined;
  toolCalls: ToolCall[];
  toolCallId: string | undefined;
}

export interface ImageInput {
  url: string;
  detail: string;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, exactly as on the wire. */
  arguments: string;
}

export interface ChatTool {
  name: string;
  description: string | undefined;
  parameters: unknown;
}

export type ToolChoice =
  | { kind: 'none' }
  | { kind: 'auto' }
  | { kind: 'required' }
  | { kind: 'named'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; schema: unknown };

export type FinishReason = 'stop' | 'length' | 'tool_calls';

/** One generated choice, already fitted to the token budget. */
export interface GeneratedChoice {
  /** null when the model answered only with tool calls. */
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** Visible text plus tool-call argument tokens. */
  outputTokens: number;
  reasoningTokens: number;
}
