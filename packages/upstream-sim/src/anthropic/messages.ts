import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { authenticate, betaFlags, requireVersion } from './authenticate.ts';
import { AnthropicRequestError, fail, sendAnthropicError, statusForErrorType } from './errors.ts';
import { generateReply } from './generate-reply.ts';
import { responseHeaders } from './headers.ts';
import { createMessage } from './message.ts';
import { parseMessagesRequest } from './parse-request.ts';
import { type AnthropicPromptCache, minCacheableTokens } from './prompt-cache.ts';
import { promptLayout } from './prompt-tokens.ts';
import { respondJson } from './respond-json.ts';
import { respondStream } from './respond-stream.ts';
import type { ThinkingSigner } from './thinking-signature.ts';
import type { MessagesRequest } from './types.ts';

export interface MessagesContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  promptCache: AnthropicPromptCache;
  signer: ThinkingSigner;
}

/**
 * `POST /v1/messages` (the beta client adds `?beta=true`; the query is ignored). Checked in the
 * API's order: credentials, version header, JSON, body, model.
 * @see https://docs.claude.com/en/api/messages
 */
export async function handleMessages(exchange: Exchange, context: MessagesContext): Promise<void> {
  const accepted = accept(exchange, context, 'create');
  if (!accepted) return;
  const { apiKey, request } = accepted;
  const layout = promptLayout(request);
  const cache = context.promptCache.lookupAndStore(
    `${apiKey}\0${request.model}`,
    layout,
    minCacheableTokens(request.model),
  );
  const reply = generateReply(request, { replyTokens: exchange.fault?.replyTokens, signer: context.signer });
  const message = createMessage(
    request.model,
    layout.total,
    cache,
    reply,
    request.thinking.type !== 'disabled',
  );
  const streamError = exchange.fault?.streamError;
  // Without a stream to interrupt, the same failure arrives as an HTTP error.
  if (streamError && !request.stream) {
    return sendAnthropicError(
      exchange,
      statusForErrorType(streamError.type),
      streamError.message,
      streamError.type,
    );
  }
  if (request.stream) return respondStream(exchange, message);
  respondJson(exchange, message);
}

/**
 * `POST /v1/messages/count_tokens`: the prompt's total, counted exactly as `/v1/messages` counts
 * it (input + cache creation + cache read), without touching the cache.
 * @see https://docs.claude.com/en/api/messages-count-tokens
 */
export async function handleCountTokens(exchange: Exchange, context: MessagesContext): Promise<void> {
  const accepted = accept(exchange, context, 'count');
  if (!accepted) return;
  sendJson(
    exchange.response,
    200,
    { input_tokens: promptLayout(accepted.request).total },
    responseHeaders(exchange),
  );
}

/** Runs the request checks; on failure answers with the API's error and returns undefined. */
function accept(
  exchange: Exchange,
  context: MessagesContext,
  mode: 'create' | 'count',
): { apiKey: string; request: MessagesRequest } | undefined {
  try {
    const apiKey = authenticate(exchange, context.apiKeys);
    requireVersion(exchange);
    if (!exchange.body.isJson)
      fail('There was an issue with the format or content of your request: the body is not valid JSON.');
    const request = parseMessagesRequest(exchange.body.value, {
      mode,
      betas: betaFlags(exchange),
      verifySignature: (thinking, signature) => context.signer.verify(thinking, signature),
    });
    if (context.models && !context.models.includes(request.model)) {
      throw new AnthropicRequestError(404, `model: ${request.model}`);
    }
    return { apiKey, request };
  } catch (error) {
    if (!(error instanceof AnthropicRequestError)) throw error;
    sendAnthropicError(exchange, error.status, error.message, error.type);
    return undefined;
  }
}
