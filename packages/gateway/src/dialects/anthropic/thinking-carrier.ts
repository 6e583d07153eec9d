import * as z from 'zod';

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

/**
 * The signatures (and redacted payloads) a chat conversation carries, oldest first: a
 * signature verifies only with the API family that issued it (Anthropic, Bedrock,
 * Vertex), so a caller can look up who signed them (`SignatureRegistry.familyOf`) before
 * choosing a route, or turn replay off (`replayThinking: false`) for another family.
 */
export function carriedSignatures(messages: unknown): string[] {
  const signatures: string[] = [];
  for (const message of Array.isArray(messages) ? (messages as unknown[]) : []) {
    const record = message && typeof message === 'object' ? (message as Record<string, unknown>) : {};
    if (record['role'] !== 'assistant') continue;
    const calls = Array.isArray(record['tool_calls']) ? (record['tool_calls'] as unknown[]) : [];
    const carriers = [record, ...calls].map((carrier) =>
      carrier && typeof carrier === 'object'
        ? (carrier as Record<string, unknown>)['extra_content']
        : undefined,
    );
    for (const block of carriers.flatMap(thinkingBlocksOf)) {
      signatures.push(block.type === 'thinking' ? block.signature : block.data);
    }
  }
  return signatures;
}
