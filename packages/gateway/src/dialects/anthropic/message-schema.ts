import * as z from 'zod';

/**
 * What the gateway reads of a Messages API answer and its stream events: minimal and
 * lenient (every field may be missing or null, unknown keys and block types pass), so a
 * field the API adds later never fails a call.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
const text = z.string().nullish();

/** Any content block; the fields of the types the gateway maps, each optional. */
export const contentBlockSchema = z.looseObject({
  type: z.string(),
  text,
  thinking: text,
  signature: text,
  data: text,
  id: text,
  name: text,
  input: z.unknown().optional(),
});
export type ContentBlock = z.infer<typeof contentBlockSchema>;

export const messageSchema = z.looseObject({
  id: text,
  model: text,
  content: z.array(z.unknown()).nullish(),
  stop_reason: text,
  stop_sequence: text,
  usage: z.unknown().optional(),
});
export type AnthropicMessage = z.infer<typeof messageSchema>;

/** A Message as far as it parses; nothing readable is an empty one. */
export function readMessage(value: unknown): AnthropicMessage {
  const parsed = messageSchema.safeParse(value);
  return parsed.success ? parsed.data : {};
}

export const errorEventSchema = z.looseObject({
  error: z.looseObject({ type: text, message: text }).nullish(),
});

export const messageStartSchema = z.looseObject({ message: messageSchema });

export const blockStartSchema = z.looseObject({
  index: z.number().int(),
  content_block: contentBlockSchema,
});

export const blockDeltaSchema = z.looseObject({
  index: z.number().int(),
  delta: z.looseObject({
    type: z.string(),
    text,
    partial_json: text,
    thinking: text,
    signature: text,
  }),
});

export const blockStopSchema = z.looseObject({ index: z.number().int() });

export const messageDeltaSchema = z.looseObject({
  delta: z.looseObject({ stop_reason: text, stop_sequence: text }).nullish(),
  usage: z.unknown().optional(),
});

/** A JSON value from an SSE `data:` line, or undefined when it is not JSON. */
export function parseEventData(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
