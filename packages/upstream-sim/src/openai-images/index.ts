import { parseMultipart } from '../http/multipart.ts';
import type { RequestBody } from '../http/read-body.ts';
import { isRecord } from '../json.ts';
import { errorForStatus, sendOpenAiError } from '../openai-chat/errors.ts';
import type { SimApi } from '../sim-api.ts';
import { handleImageEdits } from './edits.ts';
import { handleImageGenerations, type ImagesContext } from './generations.ts';

/**
 * OpenAI Images API: `POST /v1/images/generations` and `POST /v1/images/edits` (also without
 * `/v1`), with OpenAI's auth and error envelope.
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
      {
        method: 'POST',
        path: /^(\/v1)?\/images\/edits$/,
        modelOf: (exchange) => editModel(exchange.body),
        handle: (exchange) => handleImageEdits(exchange, context),
      },
    ],
    claimsPath: (path) => /^(\/v1)?\/images\//.test(path),
    sendError: (exchange, status, message) =>
      sendOpenAiError(exchange, status, errorForStatus(status, message)),
    reset: () => undefined,
  };
}

/** The `model` of an edit, from JSON or from the form (its boundary is the body's first line). */
function editModel(body: RequestBody): string | undefined {
  if (body.isJson)
    return isRecord(body.value) && typeof body.value['model'] === 'string' ? body.value['model'] : undefined;
  const firstLine = body.raw.slice(0, body.raw.indexOf('\r\n'));
  if (!firstLine.startsWith('--')) return undefined;
  const parts = parseMultipart(body.bytes, `multipart/form-data; boundary=${firstLine.slice(2)}`);
  return parts?.find((part) => part.name === 'model')?.data.toString('utf8');
}
