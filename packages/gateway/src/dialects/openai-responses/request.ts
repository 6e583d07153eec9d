import * as z from 'zod';
import type { ParsedCall } from '../dialect.ts';
import { parseRequestBody } from '../parse-request-body.ts';

/**
 * Only what the gateway must read is validated; every other field and item type is
 * forwarded untouched to Responses upstreams.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  // An item's content is text or a list of parts, each an object (`[null]` is the client's mistake).
  input: z
    .union([
      z.string(),
      z.array(z.looseObject({ content: z.union([z.string(), z.array(z.looseObject({}))]).nullish() })),
    ])
    .nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
});

export function parseResponsesRequest(json: unknown): ParsedCall {
  const { body, data } = parseRequestBody(json, responsesRequestSchema, (param, issue) =>
    param === 'model' ? 'Missing required field: model.' : `Invalid field ${param}: ${issue}`,
  );
  return {
    body,
    model: data.model,
    stream: data.stream === true,
    maxOutputTokens: data.max_output_tokens ?? undefined,
    choices: 1,
  };
}
