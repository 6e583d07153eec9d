import type { TokenUsage } from './usage.ts';

type Json = Record<string, unknown>;

/** One fragment of a streamed tool call, as chat sends it (every field may be missing). */
export interface ToolCallFragment {
  /** Chat's slot for the call; Google's OpenAI-compatible endpoint omits it. */
  index: number | undefined;
  id: string | undefined;
  name: string | undefined;
  arguments: string | undefined;
  /** Gemini 3's `thoughtSignature`, carried in `extra_content`. */
  signature: string | undefined;
  /** The whole `extra_content`, for translators that keep it until the call is replayed. */
  extra: Json | undefined;
}

/** What one chunk said about one choice, in the order a translator must apply it. */
export interface ChoiceDelta {
  choice: number;
  /** `assistant` on a choice's first delta. */
  role: string | undefined;
  /** `reasoning_content` (DeepSeek, Gemini thoughts) or `reasoning` (OpenRouter, vLLM). */
  reasoning: string | undefined;
  /** Visible text: `content`, then `refusal` (each present only when non-empty). */
  texts: string[];
  /** A signature for the text answer (`extra_content` on the delta). */
  signature: string | undefined;
  toolCalls: ToolCallFragment[];
  finishReason: string | undefined;
  /** vLLM's `stop_reason`: the stop string that ended the choice. */
  matchedStop: unknown;
}

/**
 * The canonical stream, typed: what every translator of a Chat Completions stream
 * (to Anthropic, Responses, Gemini) reads instead of digging through chunk JSON.
 */
export type ChatStreamEvent =
  | {
      type: 'chunk';
      id: string | undefined;
      model: string | undefined;
      usage: TokenUsage | null;
      /** The usage object as sent, for translators that echo cached/reasoning details. */
      rawUsage: unknown;
      choices: ChoiceDelta[];
    }
  | { type: 'error'; error: Json }
  | { type: 'done' };
