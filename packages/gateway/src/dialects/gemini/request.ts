import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import type { ParsedCall } from '../dialect.ts';

/**
 * Only what the gateway must read is validated; every other field passes through
 * untouched (zod loose objects keep unknown keys). Empty `parts` are let through:
 * the SDK's chat history records an empty model turn after an empty answer.
 * @see https://ai.google.dev/api/generate-content#request-body
 */
const contentSchema = z.looseObject({
  role: z.string().nullish(),
  parts: z.array(z.looseObject({})).nullish(),
});
const generateContentRequestSchema = z.looseObject({
  contents: z.array(contentSchema).min(1),
  systemInstruction: z.union([z.string(), contentSchema]).nullish(),
  tools: z.array(z.looseObject({})).nullish(),
  generationConfig: z
    .looseObject({
      maxOutputTokens: z.number().int().positive().nullish(),
      candidateCount: z.number().int().min(1).nullish(),
      stopSequences: z.array(z.string()).nullish(),
    })
    .nullish(),
});

/**
 * The Gemini route's front: the model comes from the URL path
 * (`/v1beta/models/{model}:generateContent`), the body has none, so the shared
 * `parseRequestBody` (which requires `model`) does not fit. The first problem is named
 * as the error's `param`, in the wording of Google's own 400s.
 */
export function parseGeminiRequest(json: unknown, model: string, stream: boolean): ParsedCall {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', { message: 'Request body must be a JSON object.' });
  }
  if (model.length === 0) {
    throw new GatewayError('missing_model', {
      param: 'model',
      message: 'Missing model: call /v1beta/models/{model}:generateContent.',
    });
  }
  const body = json as Record<string, unknown>;
  const parsed = generateContentRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw new GatewayError('invalid_request', {
      param,
      message: `Invalid value at '${param}': ${issue.message}`,
    });
  }
  const config = parsed.data.generationConfig;
  return {
    body,
    model,
    stream,
    maxOutputTokens: config?.maxOutputTokens ?? undefined,
    choices: config?.candidateCount ?? 1,
  };
}
