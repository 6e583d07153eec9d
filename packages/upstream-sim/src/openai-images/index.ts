import { errorForStatus, sendOpenAiError } from '../openai-chat/errors.ts';
import type { SimApi } from '../sim-api.ts';
import { handleImageGenerations, type ImagesContext } from './generations.ts';

/**
 * OpenAI Images API: `POST /v1/images/generations` (also without `/v1`), with OpenAI's auth and
 * error envelope.
 * @see https://platform.openai.com/docs/api-reference/images
 */
export function createOpenAiImagesApi(context: ImagesContext): SimApi {
  return {
    routes: [
      {
        method: 'POST',
        path: /^(\/v1)?\/images\/generations$/,
        handle: (exchange) => handleImageGenerations(exchange, context),
      },
    ],
    claimsPath: (path) => /^(\/v1)?\/images\//.test(path),
    sendError: (exchange, status, message) =>
      sendOpenAiError(exchange, status, errorForStatus(status, message)),
    reset: () => undefined,
  };
}
