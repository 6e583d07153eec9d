import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { isRecord } from '../json.ts';
import { authenticate } from '../openai-chat/authenticate.ts';
import { invalidRequest, sendOpenAiError } from '../openai-chat/errors.ts';
import { responseHeaders } from '../openai-chat/headers.ts';
import type { PromptCache } from '../openai-chat/prompt-cache.ts';
import { InvalidRequestError } from '../openai-chat/wire-checks.ts';
import { abbreviate, openReasoning } from './encrypted-reasoning.ts';
import {
  itemNotFound,
  previousResponseNotFound,
  RequestRefused,
  referenceNotFound,
  streamErrorAsHttp,
} from './errors.ts';
import { generateOutput } from './generate-output.ts';
import { checkToolPairing, itemId } from './parse-input.ts';
import { parseResponsesRequest } from './parse-request.ts';
import { responsesPromptTokens } from './prompt-tokens.ts';
import { respondStream } from './respond-stream.ts';
import { buildUsage, type ResponseOutcome, responseBody, snapshot } from './response-object.ts';
import type { ResponseStore } from './response-store.ts';
import type { ContextItem, ResponsesRequest } from './types.ts';

export interface ResponsesContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  promptCache: PromptCache;
  store: ResponseStore;
  /** Answer with SSE even without `stream: true`. */
  alwaysSse: boolean;
}

/** How long a background response stays `queued` (and cancellable) before it is complete. */
export const BACKGROUND_RUN_MS = 250;

// Same wording as the API's reply to a body that is not JSON.
const INVALID_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";

/**
 * `POST /v1/responses`, checked in the API's order: auth, JSON, parameters, model, then the
 * context (previous response, replayed items, tool-call pairing).
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export async function handleCreateResponse(exchange: Exchange, context: ResponsesContext): Promise<void> {
  const auth = authenticate(exchange, context.apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  if (!exchange.body.isJson) return sendOpenAiError(exchange, 400, invalidRequest(INVALID_JSON, null, null));
  const parsed = parseResponsesRequest(exchange.body.value);
  if (!parsed.ok) return sendOpenAiError(exchange, 400, parsed.error);
  const request = parsed.request;
  if (context.models && !context.models.includes(request.model)) {
    return sendOpenAiError(
      exchange,
      404,
      // The Responses API's wording (Chat says "The model `x` does not exist or you do not have access to it.").
      invalidRequest(`The requested model '${request.model}' does not exist.`, 'model', 'model_not_found'),
    );
  }
  let modelContext: ContextItem[];
  try {
    modelContext = resolveContext(request, context.store, auth.apiKey);
  } catch (error) {
    if (error instanceof InvalidRequestError) return sendOpenAiError(exchange, 400, error.body);
    if (error instanceof RequestRefused) return sendOpenAiError(exchange, error.status, error.body);
    throw error;
  }

  const sse = request.stream || context.alwaysSse || exchange.fault?.alwaysSse === true;
  const streamError = exchange.fault?.streamError;
  if (streamError && !sse) {
    const { status, body } = streamErrorAsHttp(streamError.type, streamError.message);
    return sendOpenAiError(exchange, status, body);
  }

  const prompt = responsesPromptTokens(request, modelContext);
  const cachedTokens = context.promptCache.lookupAndStore(`${auth.apiKey}\0${request.model}`, prompt);
  const generated = generateOutput(request, modelContext, { replyTokens: exchange.fault?.replyTokens });
  const outcome: ResponseOutcome = {
    id: itemId('resp'),
    createdAt: Math.floor(Date.now() / 1000),
    status: generated.incomplete ? 'incomplete' : 'completed',
    output: generated.items,
    usage: buildUsage(prompt.length, cachedTokens, generated.outputTokens, generated.reasoningTokens),
  };
  if (generated.incomplete) outcome.incompleteReason = 'max_output_tokens';
  const rawBody = isRecord(exchange.body.value) ? exchange.body.value : {};
  const body = responseBody(request, rawBody, outcome);
  // A background run is stored whatever `store` says: it has to be polled.
  if ((request.store || request.background) && !streamError) {
    context.store.save({
      apiKey: auth.apiKey,
      body,
      context: [...modelContext, ...generated.context],
      inputLength: modelContext.length,
      background: request.background,
      readyAt: request.background && !sse ? Date.now() + BACKGROUND_RUN_MS : 0,
      cancelled: undefined,
    });
  }
  if (sse) return respondStream(exchange, body, { obfuscation: request.includeObfuscation });
  sendJson(
    exchange.response,
    200,
    request.background ? snapshot(body, 'queued') : body,
    responseHeaders(exchange),
  );
}

/**
 * The model's context: the previous response's context and output (`instructions` are not
 * carried over), then this request's input with references resolved and replayed reasoning
 * verified.
 */
function resolveContext(request: ResponsesRequest, store: ResponseStore, apiKey: string): ContextItem[] {
  const previous = request.previousResponseId;
  const earlier = previous === undefined ? [] : store.get(apiKey, previous)?.context;
  if (earlier === undefined) throw previousResponseNotFound(previous ?? '');
  const own = request.input.map((item): ContextItem => {
    if (item.type === 'item_reference') {
      const found = store.item(apiKey, item.id);
      if (!found) throw referenceNotFound(item.id);
      return found;
    }
    if (item.type !== 'reasoning_replay') return item;
    if (item.encryptedContent === undefined) {
      const found = store.item(apiKey, item.id);
      if (found?.type !== 'reasoning') throw itemNotFound(item.id);
      return { ...found, wire: item.wire };
    }
    const sealed = openReasoning(item.encryptedContent);
    if (!sealed) {
      throw new InvalidRequestError(
        invalidRequest(
          `The encrypted content ${abbreviate(item.encryptedContent)} could not be verified.`,
          null,
          'invalid_encrypted_content',
        ),
      );
    }
    return { type: 'reasoning', id: item.id, reasoningTokens: sealed.tokens, wire: item.wire };
  });
  const context = [...earlier, ...own];
  checkToolPairing(context);
  return context;
}
