import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { authenticate } from './authenticate.ts';
import { invalidRequest, sendOpenAiError } from './errors.ts';
import { responseHeaders } from './headers.ts';

/** Listed when the simulator is started without a `models` option (which then accepts any name). */
export const DEFAULT_MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-5',
  'gpt-5-mini',
  'o3',
  'o4-mini',
];

// A fixed date keeps responses byte-stable across runs.
const CREATED = 1_715_367_049;

function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: CREATED, owned_by: 'system' };
}

/** @see https://platform.openai.com/docs/api-reference/models/list */
export async function handleListModels(
  exchange: Exchange,
  apiKeys: readonly string[] | undefined,
  models: readonly string[],
): Promise<void> {
  const auth = authenticate(exchange, apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  sendJson(
    exchange.response,
    200,
    { object: 'list', data: models.map(modelObject) },
    responseHeaders(exchange),
  );
}

/** @see https://platform.openai.com/docs/api-reference/models/retrieve */
export async function handleRetrieveModel(
  exchange: Exchange,
  apiKeys: readonly string[] | undefined,
  models: readonly string[] | undefined,
): Promise<void> {
  const auth = authenticate(exchange, apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  const id = decodeURIComponent(exchange.path.replace(/^(\/v1)?\/models\//, ''));
  if (models && !models.includes(id)) {
    return sendOpenAiError(
      exchange,
      404,
      invalidRequest(`The model '${id}' does not exist`, 'model', 'model_not_found'),
    );
  }
  sendJson(exchange.response, 200, modelObject(id), responseHeaders(exchange));
}
