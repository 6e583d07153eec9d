import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { obj } from '../json-fields.ts';
import { toJsonSchema } from './openapi-schema.ts';

const refuse = (param: string, message: string): GatewayError =>
  new GatewayError('invalid_request', { param, message });

/**
 * generationConfig fields with a chat field of the same meaning.
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerationConfig
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
const renamed: Record<string, string> = {
  maxOutputTokens: 'max_tokens',
  temperature: 'temperature',
  topP: 'top_p',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  seed: 'seed',
  candidateCount: 'n',
};

/** `responseMimeType` → `response_format`; a schema without a MIME type implies JSON. */
const mimeTypes: Record<string, (schema: unknown) => Json | undefined> = {
  'text/plain': () => undefined,
  'application/json': (schema) =>
    schema === undefined
      ? { type: 'json_object' }
      : { type: 'json_schema', json_schema: { name: 'response', schema } },
};

/**
 * `thinkingConfig.thinkingLevel` → `reasoning_effort`: enum to enum.
 * @see https://ai.google.dev/gemini-api/docs/thinking
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 */
const thinkingLevels: Record<string, string> = {
  MINIMAL: 'minimal',
  LOW: 'low',
  MEDIUM: 'medium',
  HIGH: 'high',
};

/**
 * Gemini `generationConfig` → chat sampling, limits, JSON mode and reasoning fields.
 * Lossy spots: `topK`, `responseLogprobs`/`logprobs` (the answer has no
 * `logprobsResult` to fill), `mediaResolution`, `speechConfig`, `imageConfig` are
 * dropped; `responseSchema` adherence is not marked `strict` (OpenAI's strict mode
 * rejects schemas Gemini accepts, e.g. optional properties). Output modalities other
 * than TEXT and MIME types other than text/plain and application/json are refused.
 * @see https://ai.google.dev/api/generate-content#generationconfig
 */
export function applyGenerationConfig(chat: Json, body: Json): void {
  const config = obj(body['generationConfig']);
  for (const [from, to] of Object.entries(renamed)) {
    if (config[from] !== undefined && config[from] !== null) chat[to] = config[from];
  }
  const stop = config['stopSequences'];
  if (Array.isArray(stop) && stop.length > 0) chat['stop'] = stop;
  const modalities = config['responseModalities'];
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== 'TEXT')) {
    throw refuse(
      'generationConfig.responseModalities',
      'Only TEXT output can be produced by this model: it is served through a chat-only API.',
    );
  }
  const format = responseFormat(config);
  if (format) chat['response_format'] = format;
  const effort = reasoningEffort(obj(config['thinkingConfig']));
  if (effort) chat['reasoning_effort'] = effort;
}

function responseFormat(config: Json): Json | undefined {
  const schema =
    config['responseJsonSchema'] ??
    (config['responseSchema'] ? toJsonSchema(config['responseSchema']) : undefined);
  const mime = config['responseMimeType'] ?? (schema === undefined ? 'text/plain' : 'application/json');
  const mapper = mimeTypes[String(mime)];
  if (!mapper) {
    throw refuse(
      'generationConfig.responseMimeType',
      `responseMimeType "${String(mime)}" is not supported for this model; use text/plain or application/json.`,
    );
  }
  return mapper(schema);
}

/**
 * `thinkingLevel` maps enum to enum. `thinkingBudget` follows the anthropic dialect's
 * budget policy (< 4k low, < 16k medium, else high); 0 turns thinking off (`none`),
 * and -1 (automatic) sends nothing, leaving the upstream's own default.
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
function reasoningEffort(thinking: Json): string | undefined {
  const level = thinking['thinkingLevel'];
  if (typeof level === 'string' && level !== 'THINKING_LEVEL_UNSPECIFIED') {
    // The REST examples write the level in lowercase ("low"), the SDK enum in uppercase.
    const effort = thinkingLevels[level.toUpperCase()];
    if (!effort) {
      throw refuse('generationConfig.thinkingConfig.thinkingLevel', `Unknown thinking level "${level}".`);
    }
    return effort;
  }
  const budget = thinking['thinkingBudget'];
  if (typeof budget !== 'number' || budget < 0) return undefined;
  if (budget === 0) return 'none';
  return budget < 4096 ? 'low' : budget < 16_384 ? 'medium' : 'high';
}

/** Reasoning is shown as `thought: true` parts only when the client asked (`includeThoughts`). */
export const showsThoughts = (body: Json): boolean =>
  obj(obj(body['generationConfig'])['thinkingConfig'])['includeThoughts'] === true;
