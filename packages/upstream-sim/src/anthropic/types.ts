/**
 * The simulator's normalized view of a Messages request: only what shapes the reply, its usage
 * and the prompt cache. Built by `parse-request.ts` from the wire JSON.
 * @see https://docs.claude.com/en/api/messages
 */
export interface MessagesRequest {
  model: string;
  /** Absent for count_tokens. */
  maxTokens: number | undefined;
  stream: boolean;
  tools: ToolDefinition[];
  system: PromptBlock[];
  messages: InputMessage[];
  stopSequences: string[];
  toolChoice: ToolChoice;
  thinking: ThinkingConfig;
  effort: Effort | undefined;
  /** `output_config.format` (or the beta `output_format`) JSON schema; structured output when set. */
  outputSchema: Record<string, unknown> | undefined;
  /** Top-level `cache_control`: caches up to the last cacheable block. */
  automaticCache: CacheTtl | undefined;
}

export type CacheTtl = '5m' | '1h';

export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORTS)[number];

export type ThinkingConfig =
  | { type: 'disabled' }
  | { type: 'enabled'; budgetTokens: number; display: ThinkingDisplay }
  | { type: 'adaptive'; display: ThinkingDisplay };

export type ThinkingDisplay = 'summarized' | 'omitted';

export type ToolChoice =
  | { type: 'auto'; disableParallel: boolean }
  | { type: 'any'; disableParallel: boolean }
  | { type: 'tool'; name: string; disableParallel: boolean }
  | { type: 'none' };

/** Anything that occupies prompt tokens and can carry a cache breakpoint. */
export interface PromptBlock {
  /** Text the block puts into the prompt, for counting. */
  promptText: string;
  /** Images and PDFs: a fixed token cost each, keyed by source so another picture breaks a cached prefix. */
  media: MediaInput[];
  /** Its `cache_control` (or one inside it, for tool results). */
  cache: CacheTtl | undefined;
}

export interface MediaInput {
  tokens: number;
  identity: string;
}

export interface ToolDefinition extends PromptBlock {
  name: string;
  /** Client tools (`custom`) can be called by the simulator; server tools only count as prompt. */
  custom: boolean;
  inputSchema: Record<string, unknown>;
}

export type InputRole = 'user' | 'assistant' | 'system';

export interface InputMessage {
  role: InputRole;
  blocks: InputBlock[];
}

export type InputBlock = PromptBlock &
  (
    | { kind: 'text'; text: string }
    | { kind: 'tool_use'; id: string; name: string }
    | { kind: 'tool_result'; toolUseId: string; text: string }
    | { kind: 'thinking'; thinking: string; signature: string }
    | { kind: 'redacted_thinking' }
    | { kind: 'other'; type: string }
  );

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export type OutputBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; json: string };

/** The generated reply, already fitted to `max_tokens`. */
export interface GeneratedReply {
  content: OutputBlock[];
  stopReason: StopReason;
  stopSequence: string | null;
  outputTokens: number;
  thinkingTokens: number;
}
