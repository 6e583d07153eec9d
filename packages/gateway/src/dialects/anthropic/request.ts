import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import type { ParsedCall } from '../dialect.ts';
import { parseRequestBody } from '../parse-request-body.ts';
import { applyHyperealCache } from './cache-breakpoints.ts';

/**
 * Minimal, lenient validation: what the gateway must read. Everything else — betas,
 * thinking modes, tool types, context management — is forwarded untouched.
 * @see https://docs.anthropic.com/en/api/messages
 */
const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  // Anthropic requires max_tokens >= 1 (https://docs.anthropic.com/en/api/messages).
  max_tokens: z.number().int().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.string().min(1),
        content: z.union([z.string(), z.array(z.looseObject({}))]).optional(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
});

/** The gateway's own field; never forwarded. */
const hyperealOptionsSchema = z
  .object({ cache: z.union([z.literal('auto'), z.literal(false)]).optional() })
  .strict();

export interface MessagesCall extends ParsedCall {
  /** Cache breakpoints the gateway added (Hypereal Cache), 0 when the client placed its own. */
  addedBreakpoints: number;
}

export function parseMessagesRequest(json: unknown): MessagesCall {
  // Anthropic's own wording: `max_tokens: Field required`.
  const { body, data } = parseRequestBody(
    json,
    messagesRequestSchema,
    (param, issue) => `${param}: ${issue}`,
  );
  const options = hyperealOptionsSchema.safeParse(body['hypereal'] ?? {});
  if (!options.success) {
    throw new GatewayError('invalid_request', {
      param: 'hypereal',
      message: 'hypereal: expected {"cache": "auto" | false}',
    });
  }
  const forwarded = { ...body };
  delete forwarded['hypereal'];
  const addedBreakpoints = options.data.cache === false ? 0 : applyHyperealCache(forwarded);
  return {
    body: forwarded,
    model: data.model,
    stream: data.stream === true,
    maxOutputTokens: data.max_tokens,
    choices: 1,
    addedBreakpoints,
  };
}
