import { z } from 'zod';

/**
 * A thinking block as the Messages API returns it. When thinking is on, the API needs the
 * blocks of the assistant turn that made a tool call back, unmodified and in order (their
 * signatures cover the text), or it refuses the next request.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
 */
export type ThinkingBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

const thinkingBlockSchema = z.union([
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
]);

const carrierSchema = z.looseObject({
  anthropic: z.looseObject({ thinking_blocks: z.array(thinkingBlockSchema) }),
});

/**
 * Chat has no field for signed thinking, so the blocks that came before a tool call ride on
 * that call's `extra_content`, the slot Google's OpenAI-compatible endpoint uses for its own
 * signatures (`extra_content.google.thought_signature`). A chat client that sends the
 * assistant message back as it got it thereby replays the blocks.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures#openai
 */
export function thinkingExtra(blocks: readonly ThinkingBlock[]): Record<string, unknown> | undefined {
  return blocks.length > 0 ? { anthropic: { thinking_blocks: [...blocks] } } : undefined;
}

/** The blocks an `extra_content` carries (none when it holds something else). */
export function thinkingBlocksOf(extra: unknown): ThinkingBlock[] {
  const parsed = carrierSchema.safeParse(extra);
  return parsed.success ? parsed.data.anthropic.thinking_blocks : [];
}
