import type { TokenUsage } from './usage.ts';

type Json = Record<string, unknown>;

/**
 * The canonical stream: one answer's lifecycle, per choice, as every upstream decoder
 * produces it and every client encoder reads it (the shape of the Vercel AI SDK's stream
 * parts). Every `*-start` is followed by its `*-end` before the choice's `finish`; text and
 * reasoning never overlap within a choice; tool calls may (parallel calls stream interleaved).
 */
export type StreamPart =
  /** A choice began (its first delta). `id`/`model` are the upstream's, when it said. */
  | { type: 'start'; choice: number; id: string | undefined; model: string | undefined }
  | { type: 'text-start'; choice: number }
  | { type: 'text-delta'; choice: number; text: string }
  | { type: 'text-end'; choice: number }
  /**
   * A signature for the text answer (Gemini's `thoughtSignature` on a text part, carried by
   * chat as `extra_content.google.thought_signature` on the delta).
   */
  | { type: 'text-signature'; choice: number; signature: string }
  | { type: 'reasoning-start'; choice: number }
  | { type: 'reasoning-delta'; choice: number; text: string }
  /** `signature`: what signs the reasoning block, where the format has one (Anthropic thinking). */
  | { type: 'reasoning-end'; choice: number; signature: string | undefined }
  /** A tool call opened at `index` (its slot in the choice, 0, 1, …). */
  | {
      type: 'tool-call-start';
      choice: number;
      index: number;
      id: string | undefined;
      name: string | undefined;
      /** What the format attached to the call (chat `extra_content`), to keep until it is replayed. */
      extra: Json | undefined;
    }
  | { type: 'tool-call-delta'; choice: number; index: number; arguments: string }
  /** The call is whole: its arguments parse as an object, or its choice ended. */
  | {
      type: 'tool-call-end';
      choice: number;
      index: number;
      id: string | undefined;
      name: string | undefined;
      /** Every fragment, joined (as the model wrote it: may be invalid JSON on a cut answer). */
      arguments: string;
      /** Gemini 3's `thoughtSignature` for the call. */
      signature: string | undefined;
      extra: Json | undefined;
    }
  /** Token usage, and the usage object as a chat upstream would send it (for encoders that echo details). */
  | { type: 'usage'; usage: TokenUsage; raw: unknown }
  /** The choice ended: chat's `finish_reason`, and vLLM's `stop_reason` (the stop string matched). */
  | { type: 'finish'; choice: number; reason: string; matchedStop: unknown }
  | { type: 'error'; error: Json }
  | { type: 'done' };

export type StreamPartType = StreamPart['type'];
