import { type Exchange, headerValue } from '../http/exchange.ts';
import { AnthropicRequestError } from './errors.ts';

/**
 * Credentials as the API takes them: `x-api-key` (Claude Code, curl, AI SDK) or
 * `Authorization: Bearer` (the official SDK 1.x sends its API key that way). When both are sent,
 * as Claude Code's `apiKeyHelper` does, `x-api-key` decides. Returns the key, which scopes the
 * prompt cache; throws a 401 with the API's wording otherwise.
 * @see https://docs.claude.com/en/api/overview#authentication
 */
export function authenticate(exchange: Exchange, apiKeys: readonly string[] | undefined): string {
  const apiKey = headerValue(exchange.request, 'x-api-key')?.trim() ?? '';
  const bearer =
    /^Bearer\s+(.+)$/i.exec(headerValue(exchange.request, 'authorization') ?? '')?.[1]?.trim() ?? '';
  if (apiKey !== '') {
    if (apiKeys && !apiKeys.includes(apiKey)) throw new AnthropicRequestError(401, 'invalid x-api-key');
    return apiKey;
  }
  if (bearer !== '') {
    if (apiKeys && !apiKeys.includes(bearer)) throw new AnthropicRequestError(401, 'Invalid bearer token');
    return bearer;
  }
  throw new AnthropicRequestError(401, 'x-api-key header is required');
}

/**
 * `anthropic-version` must be present. Its value is not checked: the SDK 1.x sends a newer date
 * (`2026-10-21`) than Claude Code (`2023-06-01`), and both work.
 * @see https://docs.claude.com/en/api/versioning
 */
export function requireVersion(exchange: Exchange): string {
  const version = headerValue(exchange.request, 'anthropic-version')?.trim() ?? '';
  if (version === '') throw new AnthropicRequestError(400, 'anthropic-version: header is required');
  return version;
}

/** The `anthropic-beta` flags, comma-separated on the wire (repeated headers are joined the same way). */
export function betaFlags(exchange: Exchange): string[] {
  return (headerValue(exchange.request, 'anthropic-beta') ?? '')
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '');
}
