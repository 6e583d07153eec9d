import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { isRecord } from '../json.ts';
import type { PromptCache } from '../openai-chat/prompt-cache.ts';
import { authenticate } from './authenticate.ts';
import { FieldErrors, fail, GeminiRequestError, httpStatusFor, sendGeminiError } from './errors.ts';
import { generateCandidates } from './generate-reply.ts';
import { responseHeaders } from './headers.ts';
import { isKnownModel, modelTraits, notFoundMessage } from './models.ts';
import { parseContents } from './parse-contents.ts';
import { parseGenerateRequest } from './parse-request.ts';
import { modalityDetails, promptTokens } from './prompt-tokens.ts';
import { checkProtoJson, field, listField } from './proto-json.ts';
import { COUNT_TOKENS_REQUEST, GENERATE_CONTENT_REQUEST } from './request-shapes.ts';
import { respondStream } from './respond-stream.ts';
import { createResponse, responseBody } from './response.ts';
import { checkThoughtSignatures } from './signature-checks.ts';
import type { ThoughtSigner } from './thought-signature.ts';
import type { GenerateRequest } from './types.ts';

export interface GeminiContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  promptCache: PromptCache;
  signer: ThoughtSigner;
}

/** `/v1beta/models/{model}:{method}` (also v1 and v1alpha): the version, model and method. */
export const METHOD_PATH = /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):([A-Za-z]+)$/;

export function modelOfPath(path: string): string | undefined {
  const encoded = METHOD_PATH.exec(path)?.[2];
  return encoded === undefined ? undefined : decodeURIComponent(encoded);
}

/**
 * `POST …:generateContent` and `POST …:streamGenerateContent` (`?alt=sse` for server-sent
 * events, else a streamed JSON array). Checked in the API's order: credentials, JSON, body shape,
 * body semantics, model, thought signatures.
 * @see https://ai.google.dev/api/generate-content
 */
export async function handleGenerateContent(
  exchange: Exchange,
  context: GeminiContext,
  stream: boolean,
): Promise<void> {
  const accepted = accept(exchange, context, stream ? 'streamGenerateContent' : 'generateContent');
  if (!accepted) return;
  const { apiKey, request } = accepted;
  const prompt = promptTokens(request);
  const total = prompt.tokens.length;
  const { minCachedTokens } = modelTraits(request.model);
  // Implicit caching (2.5 and later) reuses a previously seen prefix, per key and model.
  const cached =
    minCachedTokens > 0 && total >= minCachedTokens
      ? context.promptCache.lookupAndStore(`${apiKey}\0${request.model}`, prompt.tokens)
      : 0;
  const candidates = generateCandidates(request, {
    replyTokens: exchange.fault?.replyTokens,
    signer: context.signer,
  });
  const response = createResponse(
    request.model,
    candidates,
    { total, byModality: prompt.byModality },
    cached,
  );
  const streamError = exchange.fault?.streamError;
  // Without a stream to interrupt, the same failure arrives as an HTTP error.
  if (streamError && !stream) {
    return sendGeminiError(
      exchange,
      httpStatusFor(streamError.type),
      streamError.message,
      undefined,
      streamError.type,
    );
  }
  if (stream) {
    const alt = new URLSearchParams(exchange.record.query.replace(/^\?/, '')).get('alt');
    return respondStream(exchange, response, alt === 'sse');
  }
  sendJson(exchange.response, 200, responseBody(response), responseHeaders(exchange));
}

/**
 * `POST …:countTokens`: `{contents}` alone (what `@google/genai` sends in Developer API mode),
 * or `{generateContentRequest}` to count a whole request (system instruction, tools, schema)
 * exactly as generateContent would. The implicit cache is neither read nor written.
 * @see https://ai.google.dev/api/tokens#method:-models.counttokens
 */
export async function handleCountTokens(exchange: Exchange, context: GeminiContext): Promise<void> {
  try {
    authenticate(exchange, context.apiKeys);
    const body = parseJsonBody(exchange);
    checkProtoJson(body, COUNT_TOKENS_REQUEST);
    const record = body as Record<string, unknown>;
    const model = modelOfPath(exchange.path) ?? '';
    const errors = new FieldErrors('CountTokensRequest');
    const nested = field(record, 'generateContentRequest');
    const hasContents = field(record, 'contents') !== undefined;
    if (nested !== undefined && hasContents) {
      errors.add('', 'contents and generate_content_request are mutually exclusive.');
    }
    const source = isRecord(nested)
      ? parseGenerateRequest(nested, model, errors, 'generate_content_request')
      : {
          functions: [],
          builtinTools: [],
          system: [],
          output: undefined,
          contents: parseContents(listField(record, 'contents'), 'contents', errors),
        };
    errors.throwIfAny();
    checkModel(context, model, exchange.path, 'countTokens');
    const prompt = promptTokens(source);
    sendJson(
      exchange.response,
      200,
      { totalTokens: prompt.tokens.length, promptTokensDetails: modalityDetails(prompt.byModality) },
      responseHeaders(exchange),
    );
  } catch (error) {
    if (!(error instanceof GeminiRequestError)) throw error;
    sendGeminiError(exchange, error.status, error.message, error.details);
  }
}

/** Runs the request checks; on failure answers with the API's error and returns undefined. */
function accept(
  exchange: Exchange,
  context: GeminiContext,
  method: string,
): { apiKey: string; request: GenerateRequest } | undefined {
  try {
    const apiKey = authenticate(exchange, context.apiKeys);
    const body = parseJsonBody(exchange);
    checkProtoJson(body, GENERATE_CONTENT_REQUEST);
    const model = modelOfPath(exchange.path) ?? '';
    const request = parseGenerateRequest(
      body as Record<string, unknown>,
      model,
      new FieldErrors('GenerateContentRequest'),
    );
    checkModel(context, model, exchange.path, method);
    checkThoughtSignatures(model, request.contents, context.signer);
    return { apiKey, request };
  } catch (error) {
    if (!(error instanceof GeminiRequestError)) throw error;
    sendGeminiError(exchange, error.status, error.message, error.details);
    return undefined;
  }
}

/** An empty body is an empty message; anything else must be JSON. */
function parseJsonBody(exchange: Exchange): unknown {
  if (exchange.body.raw.trim() === '') return {};
  if (!exchange.body.isJson) fail('Invalid JSON payload received. Unexpected token.');
  return exchange.body.value;
}

function checkModel(context: GeminiContext, model: string, path: string, method: string): void {
  if (isKnownModel(context.models, model)) return;
  throw new GeminiRequestError(404, notFoundMessage(model, METHOD_PATH.exec(path)?.[1], method));
}
