import { ApiError, GoogleGenAI } from '@google/genai';
import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '../server.ts';

export interface SimWithGemini {
  sim: UpstreamSim;
  client: GoogleGenAI;
}

/**
 * The simulator plus the official `@google/genai` SDK pointed straight at it (the SDK adds
 * `/v1beta` itself and sends the key as `x-goog-api-key`; it does not retry by default).
 */
export async function startSimWithGemini(
  options: UpstreamSimOptions = {},
  apiKey = 'gemini-test-key',
): Promise<SimWithGemini> {
  const sim = await startUpstreamSim(options);
  return { sim, client: geminiClient(sim, apiKey) };
}

export function geminiClient(sim: UpstreamSim, apiKey = 'gemini-test-key'): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim.url } });
}

/** Raw POST the way curl sends it: the key in `x-goog-api-key` unless `headers` says otherwise. */
export function postGemini(
  sim: UpstreamSim,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-goog-api-key': 'gemini-test-key' },
): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The parsed `data:` payloads of a Gemini SSE body (records end with `\r\n\r\n`). */
export function geminiSseData(text: string): Array<Record<string, unknown>> {
  return text
    .split('\r\n\r\n')
    .filter((record) => record.trim() !== '')
    .map((record) => {
      if (!record.startsWith('data: ')) throw new Error(`unexpected SSE record: ${record}`);
      return JSON.parse(record.slice('data: '.length)) as Record<string, unknown>;
    });
}

/** Resolves to the SDK's `ApiError` a call rejected with (and fails if it did not). */
export async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

/** The envelope inside an `ApiError` message (the SDK puts the JSON error body there). */
export function errorBody(error: ApiError): { error: { code: number; message: string; status: string } } {
  return JSON.parse(error.message) as { error: { code: number; message: string; status: string } };
}
