import type { ImageInput, ReasoningEffort } from '../openai-chat/types.ts';

/**
 * The simulator's normalized view of a `POST /v1/responses` body: what shapes the reply, its
 * usage and the echo fields of the response object. Built by `parse-request.ts`.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export interface ResponsesRequest {
  model: string;
  /** This request's own `input`, normalized (item references are resolved later). */
  input: ParsedInputItem[];
  /** `instructions` as text ('' when absent); `instructions` itself is echoed from the body. */
  instructions: string;
  previousResponseId: string | undefined;
  /** Defaults to true, as upstream. */
  store: boolean;
  background: boolean;
  stream: boolean;
  includeObfuscation: boolean;
  maxOutputTokens: number | undefined;
  reasoning: { effort: ReasoningEffort | null; summary: ReasoningSummary | null };
  textFormat: TextFormat;
  verbosity: string;
  /** Function and custom tools (the ones a client runs); built-ins are echoed but never called. */
  tools: CallableTool[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  include: string[];
  serviceTier: string | undefined;
}

export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed'] as const;
export type ReasoningSummary = (typeof REASONING_SUMMARIES)[number];

export const INCLUDABLE = [
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
] as const;

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: unknown; description: string | null; strict: boolean };

export interface CallableTool {
  kind: 'function' | 'custom';
  name: string;
  description: string | undefined;
  /** JSON Schema of a function's arguments. */
  parameters: unknown;
}

export type ToolChoice =
  | { kind: 'none' }
  | { kind: 'auto' }
  | { kind: 'required' }
  | { kind: 'named'; name: string }
  /** `allowed_tools`: only these names, in `auto` or `required` mode. */
  | { kind: 'allowed'; mode: 'auto' | 'required'; names: string[] }
  /** A built-in tool (`web_search`, `file_search`, `mcp`, …) the simulator never runs. */
  | { kind: 'builtin' };

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'developer'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/**
 * One item of the model's context, as the simulator reads it. `wire` is the item as the API lists
 * it (`GET /responses/{id}/input_items`) and replays it through `previous_response_id`, id included.
 */
export type ContextItem =
  | { type: 'message'; role: MessageRole; text: string; images: ImageInput[]; wire: WireItem }
  | { type: 'function_call'; callId: string; name: string; arguments: string; wire: WireItem }
  | { type: 'function_call_output'; callId: string; output: string; wire: WireItem }
  | { type: 'custom_tool_call'; callId: string; name: string; input: string; wire: WireItem }
  | { type: 'custom_tool_call_output'; callId: string; output: string; wire: WireItem }
  | { type: 'reasoning'; id: string; reasoningTokens: number; wire: WireItem }
  /** Built-in tool items and other types: counted as their JSON, otherwise passed over. */
  | { type: 'other'; wire: WireItem };

/** A parsed input item: a context item, or a reasoning/reference item still to be checked against the store. */
export type ParsedInputItem =
  | ContextItem
  | { type: 'item_reference'; id: string; param: string }
  | {
      type: 'reasoning_replay';
      id: string;
      encryptedContent: string | undefined;
      param: string;
      wire: WireItem;
    };

export type WireItem = Record<string, unknown>;

export interface SummaryPart {
  type: 'summary_text';
  text: string;
}

export interface OutputTextPart {
  type: 'output_text';
  annotations: unknown[];
  logprobs: unknown[];
  text: string;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** Output items in the API's field order. */
export type OutputItem =
  | { id: string; type: 'reasoning'; summary: SummaryPart[]; encrypted_content?: string }
  | {
      id: string;
      type: 'message';
      status: ItemStatus;
      content: OutputTextPart[];
      role: 'assistant';
    }
  | {
      id: string;
      type: 'function_call';
      status: ItemStatus;
      arguments: string;
      call_id: string;
      name: string;
    }
  | {
      id: string;
      type: 'custom_tool_call';
      status: ItemStatus;
      call_id: string;
      input: string;
      name: string;
    };

export type ResponseStatus = 'completed' | 'incomplete' | 'in_progress' | 'queued' | 'cancelled' | 'failed';

/**
 * `ResponseUsage`: input includes cached tokens, output includes reasoning tokens.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The `response` object; echo fields are filled in by `response-object.ts`. */
export interface ResponseBody {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  output: OutputItem[];
  usage: ResponseUsage | null;
  [field: string]: unknown;
}
