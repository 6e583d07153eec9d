import type { SimApi, SimApiOptions } from '../sim-api.ts';
import { handleChatCompletions } from './chat-completions.ts';
import { errorForStatus, sendOpenAiError } from './errors.ts';
import { DEFAULT_MODELS, handleListModels, handleRetrieveModel } from './models.ts';
import { PromptCache } from './prompt-cache.ts';

/**
 * OpenAI Chat Completions and the models list. Paths work with and without `/v1`, since clients
 * differ on whether the base URL includes it.
 */
export function createOpenAiChatApi(options: SimApiOptions): SimApi {
  const promptCache = new PromptCache();
  const context = { apiKeys: options.apiKeys, models: options.models, promptCache };
  const listed = options.models ?? DEFAULT_MODELS;
  return {
    routes: [
      {
        method: 'POST',
        path: '/v1/chat/completions',
        handle: (exchange) => handleChatCompletions(exchange, context),
      },
      {
        method: 'POST',
        path: '/chat/completions',
        handle: (exchange) => handleChatCompletions(exchange, context),
      },
      {
        method: 'GET',
        path: /^(\/v1)?\/models$/,
        handle: (exchange) => handleListModels(exchange, options.apiKeys, listed),
      },
      {
        method: 'GET',
        path: /^(\/v1)?\/models\/[^/]+$/,
        modelOf: (exchange) => decodeURIComponent(exchange.path.replace(/^(\/v1)?\/models\//, '')),
        handle: (exchange) => handleRetrieveModel(exchange, options.apiKeys, options.models),
      },
    ],
    sendError: (exchange, status, message) =>
      sendOpenAiError(exchange, status, errorForStatus(status, message)),
    reset: () => promptCache.clear(),
  };
}
