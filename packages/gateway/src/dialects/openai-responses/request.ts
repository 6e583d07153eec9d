import { z } from 'zod';
import { GatewayError } from '../../errors/index.ts';
import type { ParsedCall } from '../../proxy/proxy-dialect.ts';

/**
 * Only what the gateway must read is validated; every other field and item type is
 * forwarded untouched to Responses upstreams.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({}))]).nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
});

export function parseResponsesRequest(json: unknown): ParsedCall {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', { message: 'Request body must be a JSON object.' });
  }
  const body = json as Record<string, unknown>;
  if (body['model'] === undefined || body['model'] === null || body['model'] === '') {
    throw new GatewayError('missing_model', { param: 'model', message: 'Missing required field: model.' });
  }
  const parsed = responsesRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw new GatewayError('invalid_request', { param, message: `Invalid field ${param}: ${issue.message}` });
  }
  return {
    body,
    model: parsed.data.model,
    stream: parsed.data.stream === true,
    maxOutputTokens: parsed.data.max_output_tokens ?? undefined,
    choices: 1,
  };
}
