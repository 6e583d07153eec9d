import { type Exchange, headerValue } from '../http/exchange.ts';
import { type OpenAiErrorBody, openAiError } from './errors.ts';

export type AuthResult = { ok: true; apiKey: string } | { ok: false; error: OpenAiErrorBody };

/**
 * `Authorization: Bearer <key>`, with the API's wording for a missing and a wrong key.
 * @see https://platform.openai.com/docs/api-reference/authentication
 */
export function authenticate(exchange: Exchange, apiKeys: readonly string[] | undefined): AuthResult {
  const header = headerValue(exchange.request, 'authorization') ?? '';
  const apiKey = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  if (apiKey === '') {
    return {
      ok: false,
      error: openAiError(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
        'invalid_api_key',
      ),
    };
  }
  if (apiKeys && !apiKeys.includes(apiKey)) {
    return {
      ok: false,
      error: openAiError(
        `Incorrect API key provided: ${redact(apiKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        null,
        'invalid_api_key',
      ),
    };
  }
  return { ok: true, apiKey };
}

function redact(key: string): string {
  return key.length <= 8
    ? '*'.repeat(key.length)
    : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}
