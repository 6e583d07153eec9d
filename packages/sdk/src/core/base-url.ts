export const defaultBaseURL = 'http://localhost:8080';

/** `HYPEREAL_BASE_URL` where a `process.env` exists (Node, Bun, Deno); browsers have none. */
function envBaseURL(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.['HYPEREAL_BASE_URL'];
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/** The option, else `HYPEREAL_BASE_URL`, else localhost:8080; the gateway's root, never `/v1`. */
export function resolveBaseURL(option: string | undefined): string {
  const url = (option ?? envBaseURL() ?? defaultBaseURL).replace(/\/+$/, '');
  // Accept the OpenAI-style base URL too (`…/v1`, `…/api/v1`): the SDK adds the prefix itself.
  return url.replace(/\/(api\/)?v1$/, '');
}

/** `HYPEREAL_API_KEY` where a `process.env` exists. */
export function envApiKey(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.['HYPEREAL_API_KEY'] || undefined;
}
