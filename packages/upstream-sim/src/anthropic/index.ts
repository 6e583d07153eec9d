import type { SimApi, SimApiOptions } from '../sim-api.ts';
import { sendAnthropicError } from './errors.ts';
import { handleCountTokens, handleMessages } from './messages.ts';
import { AnthropicPromptCache } from './prompt-cache.ts';
import { ThinkingSigner } from './thinking-signature.ts';

export interface AnthropicApiOptions extends SimApiOptions {
  /** Thinking signatures only verify on simulators of the same family. */
  signatureFamily: string;
}

/**
 * Anthropic Messages: `POST /v1/messages` and `POST /v1/messages/count_tokens`, with or without
 * the beta client's `?beta=true`. Unknown paths under `/v1/messages` answer in this API's envelope.
 */
export function createAnthropicApi(options: AnthropicApiOptions): SimApi {
  const context = {
    apiKeys: options.apiKeys,
    models: options.models,
    promptCache: new AnthropicPromptCache(),
    signer: new ThinkingSigner(options.signatureFamily),
  };
  return {
    routes: [
      { method: 'POST', path: '/v1/messages', handle: (exchange) => handleMessages(exchange, context) },
      {
        method: 'POST',
        path: '/v1/messages/count_tokens',
        handle: (exchange) => handleCountTokens(exchange, context),
      },
    ],
    claimsPath: (path) => path === '/v1/messages' || path.startsWith('/v1/messages/'),
    sendError: (exchange, status, message) => sendAnthropicError(exchange, status, message),
    reset: () => context.promptCache.clear(),
  };
}
