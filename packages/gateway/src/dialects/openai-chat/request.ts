import * as z from 'zod';
import type { ParsedCall } from '../dialect.ts';
import { parseRequestBody } from '../parse-request-body.ts';

/**
 * Only what the gateway must understand is validated; every other field passes
 * through untouched (zod loose objects keep unknown keys).
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
const messageSchema = z.looseObject({
  role: z.string().min(1),
  // Text, or a list of parts that are each an object (`[null]` is the client's mistake).
  content: z.union([z.string(), z.array(z.looseObject({}))]).nullish(),
});
const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
});

export interface ChatCompletionsRequest extends ParsedCall {
  /** The client asked for the usage chunk itself (else the gateway strips it). */
  clientWantsUsage: boolean;
}

export function parseChatRequest(json: unknown): ChatCompletionsRequest {
  const { body, data } = parseRequestBody(json, chatRequestSchema, (param, issue) =>
    param === 'model' ? 'Missing required field: model.' : `Invalid field ${param}: ${issue}`,
  );
  return {
    body,
    model: data.model,
    stream: data.stream === true,
    clientWantsUsage: data.stream_options?.include_usage === true,
    choices: data.n ?? 1,
    maxOutputTokens: data.max_completion_tokens ?? data.max_tokens ?? undefined,
  };
}
