import { type Exchange, headerValue } from '../http/exchange.ts';
import { GeminiRequestError } from './errors.ts';

const INVALID_KEY = 'API key not valid. Please pass a valid API key.';

/**
 * The Developer API takes an API key, as `x-goog-api-key` (what `@google/genai` sends) or as the
 * `key` query parameter; the header wins when both are sent. Returns the key, which scopes the
 * implicit prompt cache. Failures answer as Google does:
 * - no key → 403 PERMISSION_DENIED ("unregistered callers");
 * - only `Authorization: Bearer` → 401 UNAUTHENTICATED: the API reads a bearer token as an
 *   OAuth access token, and an API key is not one (`ACCESS_TOKEN_TYPE_UNSUPPORTED`);
 * - an unknown key → 400 INVALID_ARGUMENT with reason `API_KEY_INVALID`.
 * @see https://cloud.google.com/docs/authentication/api-keys-use
 */
export function authenticate(exchange: Exchange, apiKeys: readonly string[] | undefined): string {
  const header = headerValue(exchange.request, 'x-goog-api-key')?.trim() ?? '';
  const query = new URLSearchParams(exchange.record.query.replace(/^\?/, '')).get('key')?.trim() ?? '';
  const key = header !== '' ? header : query;
  if (key === '') {
    const authorization = headerValue(exchange.request, 'authorization') ?? '';
    if (/^Bearer\s+\S/i.test(authorization)) {
      throw new GeminiRequestError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other ' +
          'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ],
      );
    }
    throw new GeminiRequestError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key " +
        'or other form of API consumer identity to call this API.',
    );
  }
  if (apiKeys && !apiKeys.includes(key)) {
    throw new GeminiRequestError(400, INVALID_KEY, [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: INVALID_KEY },
    ]);
  }
  return key;
}
