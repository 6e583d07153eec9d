import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../accounts/index.ts';
import { countMessageTokens, countTextTokens } from '../billing/count-tokens.ts';
import { planHold } from '../billing/estimate-hold.ts';
import { getBalance, type TokenUsage } from '../billing/index.ts';
import { type ChargeOutcome, RequestCharge } from '../billing/request-charge.ts';
import { renderOpenAiStreamError } from '../dialects/openai-chat/error.ts';
import { parseChatRequest } from '../dialects/openai-chat/request.ts';
import { readChatUsage } from '../dialects/openai-chat/usage.ts';
import { GatewayError, UpstreamError } from '../errors/index.ts';
import type { ModelEntry, ModelRoute } from '../routing/catalog.ts';
import type { Services } from '../server/services.ts';
import { toUpstreamError } from '../upstream/http-client.ts';
import { callUpstream } from './call-upstream.ts';
import { relayChatStream } from './relay-chat-stream.ts';
import { resolveChatModel } from './resolve-model.ts';

/**
 * POST /v1/chat/completions: admit (model, balance hold), forward faithfully, meter
 * the answer (JSON or SSE), then settle the hold and log — on every path, once.
 */
export async function proxyChatCompletion(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const state = request.hypereal;
  const principal = state.principal as AuthenticatedKey;
  const body = request.body as { text: string; json: unknown } | undefined;
  const chat = parseChatRequest(body?.json);
  const model = resolveChatModel(services.config.catalog, chat.model, 'openai-chat');
  state.model = model.id;

  const minimumMicro = services.config.billing.minimumBalanceMicro;
  const { availableMicro } = await getBalance(services.db, principal.userId);
  if (availableMicro < minimumMicro) {
    throw new GatewayError('insufficient_credits', {
      message: `Insufficient credits: a balance of at least ${minimumMicro / 1e6} credits is required to call this endpoint (available: ${(availableMicro / 1e6).toFixed(2)}).`,
    });
  }
  const plan = planHold({
    model,
    rawBody: body?.text ?? '',
    requestedOutputTokens: chat.maxOutputTokens,
    choices: chat.choices,
    availableMicro,
  });
  const charge = await RequestCharge.hold(
    services.db,
    {
      requestId: state.requestId,
      userId: principal.userId,
      keyId: principal.keyId,
      endpoint: state.endpoint,
      startedAt: state.startedAt,
    },
    plan.holdMicro,
    minimumMicro,
  );
  state.logged = true;

  const abort = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.on('close', onClose);
  const outcome = baseOutcome(model, chat.stream);
  try {
    const attempt = await callUpstream(
      services.upstream,
      model,
      (route) => upstreamBody(chat.body, route, chat.stream, plan.clampOutputTokens),
      abort.signal,
    ).catch((error: unknown) => {
      throw abort.signal.aborted ? new ClientGone() : toUpstreamError('upstream', error);
    });
    outcome.provider = attempt.route.provider.name;
    outcome.upstreamModel = attempt.route.model;
    reply.header('x-hypereal-provider', attempt.route.provider.name);
    reply.header('x-hypereal-attempts', String(attempt.attempts));
    reply.header('x-request-id', state.requestId);

    const isSse = String(attempt.response.headers['content-type'] ?? '').includes('text/event-stream');
    if (isSse) {
      await streamToClient(reply, attempt.response, chat, model, charge, outcome, abort.signal);
    } else {
      await jsonToClient(reply, attempt.response, chat.body, model, charge, outcome, abort.signal);
    }
  } catch (error) {
    if (error instanceof ClientGone || abort.signal.aborted) {
      // Non-streaming call abandoned before the answer: the upstream saw the prompt.
      const usage = await countedUsage(chat.body, '');
      await charge.settle(model.price, usage, {
        ...outcome,
        ...usageFields(usage, 'counted'),
        status: 499,
        errorCode: 'client_closed',
        errorMessage: 'client closed the connection',
        latencyMs: Date.now() - state.startedAt,
      });
      if (!reply.sent) reply.hijack();
      return;
    }
    const failure =
      error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
    await charge.settle(model.price, null, {
      ...outcome,
      provider: error instanceof UpstreamError ? error.provider : outcome.provider,
      status: failure.status,
      errorCode: failure.code,
      errorMessage: failure.message,
      latencyMs: Date.now() - state.startedAt,
    });
    throw failure;
  } finally {
    reply.raw.off('close', onClose);
  }
}

class ClientGone extends Error {}

function baseOutcome(model: ModelEntry, stream: boolean): ChargeOutcome {
  return {
    model: model.id,
    provider: null,
    upstreamModel: null,
    status: 200,
    stream,
    latencyMs: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    usageSource: null,
    errorCode: null,
    errorMessage: null,
  };
}

/** The client's body with only what the gateway must change: model id, usage request, output cap. */
function upstreamBody(
  clientBody: Record<string, unknown>,
  route: ModelRoute,
  stream: boolean,
  clampOutputTokens: number | undefined,
): string {
  const body: Record<string, unknown> = { ...clientBody, model: route.model };
  const { adapter } = route.provider;
  if (stream && adapter.capabilities.streamUsage) {
    const options = (clientBody['stream_options'] ?? {}) as Record<string, unknown>;
    body['stream_options'] = { ...options, include_usage: true };
  }
  if (clampOutputTokens !== undefined) {
    delete body['max_tokens'];
    delete body['max_completion_tokens'];
    body[adapter.capabilities.maxTokensField] = clampOutputTokens;
  }
  adapter.adjustRequest?.(body);
  return JSON.stringify(body);
}

async function jsonToClient(
  reply: FastifyReply,
  response: Awaited<ReturnType<typeof callUpstream>>['response'],
  clientBody: Record<string, unknown>,
  model: ModelEntry,
  charge: RequestCharge,
  outcome: ChargeOutcome,
  signal: AbortSignal,
): Promise<void> {
  const text = await response.body.text().catch((error: unknown) => {
    throw signal.aborted ? new ClientGone() : toUpstreamError(outcome.provider ?? 'upstream', error);
  });
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UpstreamError('upstream_error', outcome.provider ?? 'upstream', response.status, text, {
      message: 'The upstream provider returned a malformed response.',
    });
  }
  const reported = readChatUsage(parsed['usage']);
  const usage = reported ?? (await countedUsage(clientBody, completionText(parsed)));
  const startedAt = charge.context.startedAt;
  await charge.settle(model.price, usage, {
    ...outcome,
    ...usageFields(usage, reported ? 'upstream' : 'counted'),
    status: 200,
    latencyMs: Date.now() - startedAt,
  });
  reply.code(200).header('content-type', 'application/json').send(text);
}

async function streamToClient(
  reply: FastifyReply,
  response: Awaited<ReturnType<typeof callUpstream>>['response'],
  chat: ReturnType<typeof parseChatRequest>,
  model: ModelEntry,
  charge: RequestCharge,
  outcome: ChargeOutcome,
  signal: AbortSignal,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.flushHeaders();
  const result = await relayChatStream(response, raw, { forwardUsageChunk: chat.clientWantsUsage, signal });
  const reported = result.meter.usage;
  const usage = reported ?? (await countedUsage(chat.body, result.meter.generatedText()));
  const failed = result.interruption === 'upstream';
  if (failed) {
    response.body.destroy();
    const error = new UpstreamError('upstream_error', outcome.provider ?? 'upstream', null, '', {
      message: 'The upstream stream was interrupted before it finished.',
    });
    if (!raw.destroyed) raw.write(renderOpenAiStreamError(error));
  }
  const status = result.interruption === 'client' ? 499 : failed ? 502 : 200;
  await charge.settle(model.price, usage, {
    ...outcome,
    ...usageFields(usage, reported ? 'upstream' : 'counted'),
    status,
    errorCode: status === 200 ? null : status === 499 ? 'client_closed' : 'upstream_stream_interrupted',
    errorMessage:
      status === 200 ? null : status === 499 ? 'client closed the stream' : 'upstream stream interrupted',
    latencyMs: Date.now() - charge.context.startedAt,
  });
  if (!raw.destroyed) raw.end();
}

async function countedUsage(clientBody: Record<string, unknown>, generated: string): Promise<TokenUsage> {
  return {
    inputTokens: await countMessageTokens(clientBody['messages']),
    outputTokens: await countTextTokens(generated),
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
}

function completionText(response: Record<string, unknown>): string {
  const choices = response['choices'];
  if (!Array.isArray(choices)) return '';
  return choices
    .map((choice) => {
      const message = (choice as Record<string, unknown> | null)?.['message'] as
        | Record<string, unknown>
        | undefined;
      return [message?.['content'], JSON.stringify(message?.['tool_calls'] ?? '')]
        .filter((part) => typeof part === 'string')
        .join('');
    })
    .join('');
}

function usageFields(usage: TokenUsage, source: 'upstream' | 'counted') {
  return {
    promptTokens: usage.inputTokens,
    completionTokens: usage.outputTokens,
    cachedTokens: usage.cachedInputTokens,
    reasoningTokens: usage.reasoningTokens,
    usageSource: source,
  };
}
