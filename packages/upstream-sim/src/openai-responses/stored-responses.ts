import type { Exchange } from '../http/exchange.ts';
import { sendJson, sleep } from '../http/send.ts';
import { authenticate } from '../openai-chat/authenticate.ts';
import { invalidRequest, sendOpenAiError } from '../openai-chat/errors.ts';
import { responseHeaders } from '../openai-chat/headers.ts';
import { expectOneOf, InvalidRequestError, optionalInteger } from '../openai-chat/wire-checks.ts';
import type { ResponsesContext } from './create-response.ts';
import { RequestRefused, responseNotFound } from './errors.ts';
import { respondStream } from './respond-stream.ts';
import { snapshot } from './response-object.ts';
import type { StoredResponse } from './response-store.ts';

const ID_PATH = /^(?:\/v1)?\/responses\/([^/]+)/;

/** The response id in `/v1/responses/{id}[/…]`. */
export function responseIdOf(path: string): string {
  return decodeURIComponent(ID_PATH.exec(path)?.[1] ?? '');
}

/**
 * `GET /v1/responses/{id}`; `?stream=true` replays the stored response as its event stream (after
 * `starting_after`), waiting for a queued background run to finish first.
 * @see https://platform.openai.com/docs/api-reference/responses/get
 */
export function handleRetrieve(exchange: Exchange, context: ResponsesContext): Promise<void> {
  return withStored(exchange, context, async (record, query) => {
    if (query.get('stream') !== 'true')
      return sendJson(exchange.response, 200, context.store.view(record), responseHeaders(exchange));
    const wait = record.readyAt - Date.now();
    if (wait > 0 && !(await sleep(wait, exchange.signal))) return;
    const startingAfter = optionalInteger(numberParam(query, 'starting_after'), 'starting_after', -1);
    await respondStream(exchange, context.store.view(record), {
      obfuscation: query.get('include_obfuscation') !== 'false',
      ...(startingAfter === undefined ? {} : { startingAfter }),
    });
  });
}

/**
 * `POST /v1/responses/{id}/cancel`: only background responses can be cancelled. A queued one
 * becomes `cancelled`; a finished one is returned as it is.
 * @see https://platform.openai.com/docs/api-reference/responses/cancel
 */
export function handleCancel(exchange: Exchange, context: ResponsesContext): Promise<void> {
  return withStored(exchange, context, async (record) => {
    if (!record.background) {
      return sendOpenAiError(
        exchange,
        400,
        invalidRequest('Cannot cancel a synchronous response.', null, null),
      );
    }
    if (!record.cancelled && Date.now() < record.readyAt)
      record.cancelled = snapshot(record.body, 'cancelled');
    sendJson(exchange.response, 200, context.store.view(record), responseHeaders(exchange));
  });
}

/** `DELETE /v1/responses/{id}`. @see https://platform.openai.com/docs/api-reference/responses/delete */
export function handleDelete(exchange: Exchange, context: ResponsesContext): Promise<void> {
  return withStored(exchange, context, async (record, _query, apiKey) => {
    context.store.delete(apiKey, record.body.id);
    sendJson(
      exchange.response,
      200,
      { id: record.body.id, object: 'response', deleted: true },
      responseHeaders(exchange),
    );
  });
}

/**
 * `GET /v1/responses/{id}/input_items`: what the model was given (a previous response's context
 * included), newest first unless `order=asc`, paged by `limit` (default 20) and `after`.
 * @see https://platform.openai.com/docs/api-reference/responses/input-items
 */
export function handleInputItems(exchange: Exchange, context: ResponsesContext): Promise<void> {
  return withStored(exchange, context, async (record, query) => {
    const limit = optionalInteger(numberParam(query, 'limit'), 'limit', 1, 100) ?? 20;
    const order = expectOneOf(query.get('order') ?? 'desc', ['asc', 'desc'] as const, 'order');
    const items = record.context.slice(0, record.inputLength).map((item) => item.wire);
    if (order === 'desc') items.reverse();
    const after = query.get('after');
    const start = after === null ? 0 : items.findIndex((item) => item['id'] === after) + 1;
    const page = items.slice(start, start + limit);
    sendJson(
      exchange.response,
      200,
      {
        object: 'list',
        data: page,
        first_id: page[0]?.['id'] ?? null,
        last_id: page.at(-1)?.['id'] ?? null,
        has_more: start + limit < items.length,
      },
      responseHeaders(exchange),
    );
  });
}

/** Auth, the stored response under this key (404 otherwise), query checks, then `handle`. */
async function withStored(
  exchange: Exchange,
  context: ResponsesContext,
  handle: (record: StoredResponse, query: URLSearchParams, apiKey: string) => Promise<void>,
): Promise<void> {
  const auth = authenticate(exchange, context.apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  const id = responseIdOf(exchange.path);
  const record = context.store.get(auth.apiKey, id);
  try {
    if (!record) throw responseNotFound(id);
    await handle(record, new URLSearchParams(exchange.record.query), auth.apiKey);
  } catch (error) {
    if (error instanceof InvalidRequestError) return sendOpenAiError(exchange, 400, error.body);
    if (error instanceof RequestRefused) return sendOpenAiError(exchange, error.status, error.body);
    throw error;
  }
}

/** A numeric query parameter, as the number it spells (or the raw text, for the type error). */
function numberParam(query: URLSearchParams, name: string): unknown {
  const value = query.get(name);
  if (value === null) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}
