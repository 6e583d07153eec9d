import type { SimApi } from '../sim-api.ts';
import { sendArkError } from './errors.ts';
import { type ArkImagesContext, handleSeedream } from './generations.ts';

/**
 * Seedream image generation on Volcengine Ark (`ark.cn-beijing.volces.com/api/v3`) and BytePlus
 * ModelArk (`ark.ap-southeast.bytepluses.com/api/v3`): `POST /api/v3/images/generations`, with
 * Ark's Bearer auth and error envelope. Unknown paths under `/api/v3/` answer in that envelope.
 * @see https://docs.byteplus.com/en/docs/ModelArk/1541523
 */
export function createArkImagesApi(context: ArkImagesContext): SimApi {
  return {
    routes: [
      {
        method: 'POST',
        path: '/api/v3/images/generations',
        handle: (exchange) => handleSeedream(exchange, context),
      },
    ],
    claimsPath: (path) => path.startsWith('/api/v3/'),
    sendError: (exchange, status, message) =>
      sendArkError(exchange, status, message === undefined ? undefined : { message }),
    reset: () => undefined,
  };
}
