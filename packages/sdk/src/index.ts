import { Hypereal } from './client.ts';

export { Admin, type AdminOptions } from './admin.ts';
export { Hypereal, type HyperealOptions, type RawRequest } from './client.ts';
export {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InsufficientCreditsError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
} from './core/errors.ts';
export type { RequestOptions } from './core/http.ts';
export { Page, PagePromise } from './core/pagination.ts';
export type { ServerSentEvent } from './core/sse.ts';
export { Stream } from './core/stream.ts';
export type { Uploadable } from './resources/upload-body.ts';
export type { WaitOptions } from './resources/wait.ts';
export { verifyWebhook } from './resources/webhook-signature.ts';
export type * from './types/account.ts';
export type * from './types/admin.ts';
export type * from './types/chat.ts';
export type * from './types/gemini.ts';
export type * from './types/gpu.ts';
export type * from './types/jobs.ts';
export type * from './types/media.ts';
export type * from './types/messages.ts';
export type * from './types/models.ts';
export type * from './types/orgs.ts';
export type * from './types/responses.ts';
export type * from './types/storage.ts';
export type * from './types/webhooks.ts';
export default Hypereal;
