/**
 * OpenAI Responses on `POST /v1/responses` (https://platform.openai.com/docs/api-reference/responses).
 * Unknown fields pass through untouched.
 */
export interface ResponseInputItem {
  type?: 'message' | 'function_call' | 'function_call_output' | 'reasoning' | (string & {});
  role?: 'user' | 'assistant' | 'system' | 'developer';
  content?: string | Array<{ type: string; text?: string; [extra: string]: unknown }>;
  [extra: string]: unknown;
}

export interface ResponseCreateParams {
  model: string;
  input: string | ResponseInputItem[];
  instructions?: string;
  max_output_tokens?: number;
  temperature?: number;
  tools?: Array<Record<string, unknown>>;
  reasoning?: { effort?: string; summary?: string };
  store?: boolean;
  previous_response_id?: string;
  [extra: string]: unknown;
}

export interface ResponseOutputText {
  type: 'output_text';
  text: string;
  annotations?: unknown[];
}

export interface ResponseOutputItem {
  type: 'message' | 'function_call' | 'reasoning' | (string & {});
  id: string;
  role?: 'assistant';
  status?: string;
  content?: Array<ResponseOutputText | { type: string; [extra: string]: unknown }>;
  [extra: string]: unknown;
}

export interface ResponseUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}

export interface Response {
  id: string;
  object: 'response';
  created_at: number;
  status: 'completed' | 'in_progress' | 'failed' | 'incomplete' | 'cancelled' | 'queued' | (string & {});
  model: string;
  output: ResponseOutputItem[];
  usage: ResponseUsage | null;
}

/** One streamed event (`response.created`, `response.output_text.delta`, `response.completed`…). */
export interface ResponseStreamEvent {
  type: string;
  sequence_number?: number;
  delta?: string;
  response?: Response;
  [extra: string]: unknown;
}
