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
export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
});

type ChatRequestFields = z.infer<typeof chatRequestSchema>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown, most: number) =>
  value == null || (Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= most);

/**
 * What `chatRequestSchema` accepts, checked by hand for the common request (and only ever a
 * subset of it): zod's loose objects copy every message to check it, a call's largest garbage
 * after its body. Anything this does not accept goes through the schema, which names the error.
 */
function wellFormed(body: Record<string, unknown>): ChatRequestFields | undefined {
  const { model, messages, stream, stream_options: options } = body;
  if (typeof model !== 'string' || model.length === 0) return undefined;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  for (const message of messages) {
    if (!isObject(message)) return undefined;
    const { role, content } = message;
    if (typeof role !== 'string' || role.length === 0) return undefined;
    if (Array.isArray(content)) {
      for (const part of content) if (!isObject(part)) return undefined;
    } else if (content != null && typeof content !== 'string') return undefined;
  }
  if (stream != null && typeof stream !== 'boolean') return undefined;
  if (
    options != null &&
    !(
      isObject(options) &&
      (options['include_usage'] == null || typeof options['include_usage'] === 'boolean')
    )
  )
    return undefined;
  if (!isCount(body['n'], 128)) return undefined;
  if (
    !isCount(body['max_tokens'], Number.MAX_SAFE_INTEGER) ||
    !isCount(body['max_completion_tokens'], Number.MAX_SAFE_INTEGER)
  )
    return undefined;
  return body as ChatRequestFields;
}

export interface ChatCompletionsRequest extends ParsedCall {
  /** The client asked for the usage chunk itself (else the gateway strips it). */
  clientWantsUsage: boolean;
}

export function parseChatRequest(json: unknown): ChatCompletionsRequest {
  const { body, data } = parseRequestBody(
    json,
    chatRequestSchema,
    (param, issue) =>
      param === 'model' ? 'Missing required field: model.' : `Invalid field ${param}: ${issue}`,
    wellFormed,
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
