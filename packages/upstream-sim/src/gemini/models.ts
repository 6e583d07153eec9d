import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { authenticate } from './authenticate.ts';
import { GeminiRequestError, sendGeminiError } from './errors.ts';
import { responseHeaders } from './headers.ts';

/** Listed when the simulator is started without a `models` option (which then accepts any name). */
export const DEFAULT_MODELS = [
  'gemini-3.8-flash',
  'gemini-3.5-flash-lite',
  'gemini-3.1-pro-preview',
  'gemini-3-flash-preview',
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'gemini-2.5-flash-lite',
  'gemini-2.0-flash',
];

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * What a model name implies for the simulator, after the documented model families:
 * - Gemini 3 and later think with a `thinkingLevel` (default `HIGH`), cannot stop thinking,
 *   and require thought signatures on function calls;
 * - Gemini 2.5 thinks with a `thinkingBudget` (Pro 128–32768 and always on, Flash 0–24576 and on
 *   by default, Flash-Lite 512–24576 and off by default) and rejects `thinkingLevel`;
 * - anything else does not think and ignores `thinkingConfig`.
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
export interface ModelTraits {
  thinking: 'level' | 'budget' | 'none';
  /** Thinking turns off with `thinkingBudget: 0`. */
  canDisableThinking: boolean;
  thinksByDefault: boolean;
  budgetRange: readonly [number, number];
  outputTokenLimit: number;
  /** Implicit caching (2.5 and later): shortest prompt it applies to, 0 when it does not. */
  minCachedTokens: number;
  /** Thought signatures are required on replayed function calls (Gemini 3). */
  requiresSignatures: boolean;
}

export function modelTraits(model: string): ModelTraits {
  const version = /^gemini-(\d+)(?:\.(\d+))?(?:-|$)/.exec(model);
  const major = Number(version?.[1] ?? 0);
  const minor = Number(version?.[2] ?? 0);
  const pro = /-pro\b/.test(model);
  const lite = /-lite\b/.test(model);
  const minCachedTokens = pro ? 4096 : 1024;
  if (major >= 3) {
    return {
      thinking: 'level',
      canDisableThinking: false,
      thinksByDefault: true,
      budgetRange: [pro ? 128 : 0, 32_768],
      outputTokenLimit: 65_536,
      minCachedTokens,
      requiresSignatures: true,
    };
  }
  // 2.5 Flash Image ("Nano Banana") does not think.
  if (major === 2 && minor === 5 && !model.includes('-image')) {
    return {
      thinking: 'budget',
      canDisableThinking: !pro,
      thinksByDefault: !lite,
      budgetRange: pro ? [128, 32_768] : lite ? [512, 24_576] : [0, 24_576],
      outputTokenLimit: 65_536,
      minCachedTokens,
      requiresSignatures: false,
    };
  }
  return {
    thinking: 'none',
    canDisableThinking: true,
    thinksByDefault: false,
    budgetRange: [0, 0],
    outputTokenLimit: 8192,
    minCachedTokens: 0,
    requiresSignatures: false,
  };
}

/** `models/gemini-2.5-flash` → `gemini-2.5-flash`. */
export function stripModelsPrefix(name: string): string {
  return name.startsWith('models/') ? name.slice('models/'.length) : name;
}

export function isKnownModel(models: readonly string[] | undefined, model: string): boolean {
  return !models || models.some((known) => stripModelsPrefix(known) === model);
}

/** The `Model` resource. @see https://ai.google.dev/api/models#Model */
export function modelResource(id: string): Record<string, unknown> {
  const traits = modelTraits(id);
  const displayName = id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
  return {
    name: `models/${id}`,
    version: '001',
    displayName,
    description: `${displayName}, simulated by upstream-sim`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: traits.outputTokenLimit,
    supportedGenerationMethods: [
      'generateContent',
      'countTokens',
      'createCachedContent',
      'batchGenerateContent',
    ],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: traits.thinking !== 'none',
  };
}

/**
 * `GET /v1beta/models`: pages of `pageSize` (default 50, at most 1000) with an opaque
 * `nextPageToken` while more remain.
 * @see https://ai.google.dev/api/models#method:-models.list
 */
export async function handleListModels(
  exchange: Exchange,
  apiKeys: readonly string[] | undefined,
  models: readonly string[],
): Promise<void> {
  try {
    authenticate(exchange, apiKeys);
    const query = new URLSearchParams(exchange.record.query.replace(/^\?/, ''));
    const requested = Number(query.get('pageSize') ?? query.get('page_size') ?? 0);
    const pageSize =
      Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    const token = query.get('pageToken') ?? query.get('page_token') ?? '';
    const offset = token === '' ? 0 : decodePageToken(token);
    const ids = models.map(stripModelsPrefix);
    const page = ids.slice(offset, offset + pageSize);
    const next = offset + pageSize < ids.length ? encodePageToken(offset + pageSize) : undefined;
    sendJson(
      exchange.response,
      200,
      { models: page.map(modelResource), ...(next ? { nextPageToken: next } : {}) },
      responseHeaders(exchange),
    );
  } catch (error) {
    if (!(error instanceof GeminiRequestError)) throw error;
    sendGeminiError(exchange, error.status, error.message, error.details);
  }
}

/** `GET /v1beta/models/{model}`. @see https://ai.google.dev/api/models#method:-models.get */
export async function handleGetModel(
  exchange: Exchange,
  apiKeys: readonly string[] | undefined,
  models: readonly string[] | undefined,
): Promise<void> {
  try {
    authenticate(exchange, apiKeys);
    const [, version, id] = /^\/([^/]+)\/models\/(.+)$/.exec(exchange.path) ?? [];
    const model = decodeURIComponent(id ?? '');
    if (!isKnownModel(models, model))
      throw new GeminiRequestError(404, notFoundMessage(model, version, 'get'));
    sendJson(exchange.response, 200, modelResource(model), responseHeaders(exchange));
  } catch (error) {
    if (!(error instanceof GeminiRequestError)) throw error;
    sendGeminiError(exchange, error.status, error.message, error.details);
  }
}

export function notFoundMessage(model: string, version: string | undefined, method: string): string {
  return (
    `models/${model} is not found for API version ${version ?? 'v1beta'}, or is not supported for ${method}. ` +
    'Call ListModels to see the list of available models and their supported methods.'
  );
}

function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodePageToken(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new GeminiRequestError(400, 'Invalid page token.');
  return Number(match[1]);
}
