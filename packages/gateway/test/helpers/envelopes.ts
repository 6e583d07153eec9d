/** The three error envelopes clients parse: OpenAI's, Anthropic's and Google's. */
export type Dialect = 'openai' | 'anthropic' | 'gemini';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with `body` as `dialect`'s error envelope, or null when it is one:
 * OpenAI `{error: {message, type, code}}`, Anthropic `{type: "error", error: {type, message}}`,
 * Google `{error: {code: <number>, message, status}}`.
 */
export function envelopeProblem(dialect: Dialect, body: unknown): string | null {
  if (!isObject(body)) return `not a JSON object: ${String(body).slice(0, 200)}`;
  const error = body['error'];
  if (!isObject(error)) return `no error object: ${JSON.stringify(body).slice(0, 200)}`;
  if (typeof error['message'] !== 'string') return 'error.message is not a string';
  if (dialect === 'anthropic') {
    if (body['type'] !== 'error') return 'type is not "error"';
    if (typeof error['type'] !== 'string') return 'error.type is not a string';
  } else if (dialect === 'gemini') {
    if (typeof error['code'] !== 'number') return 'error.code is not a number';
    if (typeof error['status'] !== 'string') return 'error.status is not a string';
  } else {
    if (typeof error['type'] !== 'string') return 'error.type is not a string';
    if (!('code' in error)) return 'error.code missing';
  }
  return null;
}

/** The envelope a path's clients expect. */
export function dialectOfPath(path: string): Dialect {
  const bare = path.replace(/^\/api(?=\/v1)/, '');
  if (bare.startsWith('/v1beta') || bare.startsWith('/v1/gemini')) return 'gemini';
  if (bare.startsWith('/v1/messages')) return 'anthropic';
  return 'openai';
}
