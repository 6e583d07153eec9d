import { errorForStatus, sendOpenAiError } from '../openai-chat/errors.ts';
import { PromptCache } from '../openai-chat/prompt-cache.ts';
import type { SimApi, SimApiOptions } from '../sim-api.ts';
import { handleCreateResponse, type ResponsesContext } from './create-response.ts';
import { ResponseStore } from './response-store.ts';
import { handleCancel, handleDelete, handleInputItems, handleRetrieve } from './stored-responses.ts';

export interface OpenAiResponsesApiOptions extends SimApiOptions {
  /** Answer `POST /v1/responses` with server-sent events even for `stream: false`. */
  alwaysSse: boolean;
}

/**
 * OpenAI Responses: `POST /v1/responses` and the stored-response endpoints (retrieve, cancel,
 * input items, delete). Paths work with and without `/v1`, like the Chat side's.
 */
export function createOpenAiResponsesApi(options: OpenAiResponsesApiOptions): SimApi {
  const context: ResponsesContext = {
    apiKeys: options.apiKeys,
    models: options.models,
    promptCache: new PromptCache(),
    store: new ResponseStore(),
    alwaysSse: options.alwaysSse,
  };
  return {
    routes: [
      {
        method: 'POST',
        path: /^(\/v1)?\/responses$/,
        handle: (exchange) => handleCreateResponse(exchange, context),
      },
      {
        method: 'GET',
        path: /^(\/v1)?\/responses\/[^/]+$/,
        handle: (exchange) => handleRetrieve(exchange, context),
      },
      {
        method: 'DELETE',
        path: /^(\/v1)?\/responses\/[^/]+$/,
        handle: (exchange) => handleDelete(exchange, context),
      },
      {
        method: 'POST',
        path: /^(\/v1)?\/responses\/[^/]+\/cancel$/,
        handle: (exchange) => handleCancel(exchange, context),
      },
      {
        method: 'GET',
        path: /^(\/v1)?\/responses\/[^/]+\/input_items$/,
        handle: (exchange) => handleInputItems(exchange, context),
      },
    ],
    sendError: (exchange, status, message) =>
      sendOpenAiError(exchange, status, errorForStatus(status, message)),
    reset: () => {
      context.promptCache.clear();
      context.store.clear();
    },
  };
}
