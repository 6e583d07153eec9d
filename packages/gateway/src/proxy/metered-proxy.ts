import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../accounts/index.ts';
import { countTextTokens } from '../billing/count-tokens.ts';
import { parseJsonObject, type TokenUsage } from '../contracts/index.ts';
import type { JsonSource } from '../contracts/json-source.ts';
import type { CallTarget, ParsedCall, ProxyDialect, StreamMeter } from '../dialects/dialect.ts';
import { GatewayError, UpstreamError } from '../errors/index.ts';
import { admitCall } from '../metering/admit.ts';
import { planHold, resizeHoldPlan } from '../metering/estimate-hold.ts';
import type { CallOutcome } from '../metering/log-row.ts';
import type { ModelEntry } from '../routing/catalog.ts';
import { needsOf, resolveIntent } from '../routing/intents.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import type { AttemptRecord } from '../routing/upstream-router.ts';
import { toUpstreamError, type UpstreamResponse } from '../upstream/http-client.ts';
import { splitSse } from '../upstream/sse.ts';
import { abortOnClientClose, ClientGone } from './client-abort.ts';
import { headerValue } from './header-value.ts';
import type { ProxyServices } from './proxy-services.ts';
import { relayStream } from './relay-stream.ts';
import { resolveModel, servedOn } from './resolve-model.ts';
import { SseResponse } from './sse-response.ts';
import { jsonAnswerFor, streamMeterFor, upstreamRequestFor } from './wire-route.ts';

/**
 * One metered call in any dialect: admit (model, minimum balance, hold), forward,
 * relay the answer (JSON or SSE) while metering it, then settle the hold and write the
 * request log in one transaction — on every path, exactly once.
 */
export async function proxyMeteredCall(
  services: ProxyServices,
  dialect: ProxyDialect,
  request: FastifyRequest,
  reply: FastifyReply,
  target?: CallTarget,
): Promise<void> {
  const { call, model, charge, plan } = await admitChatCall(services, dialect, request, reply, target);

  const hangUp = abortOnClientClose(reply);
  const outcome = {
    ...baseOutcome(model, call.stream),
    modelRule: services.config.catalog.lookup(call.model)?.rule ?? null,
  };
  const sse = new SseResponse(reply, dialect.keepaliveEvent, services.config.server.keepaliveMs);
  if (call.stream) sse.startKeepalive();
  const attempts: AttemptRecord[] = [];
  const finish = (usage: TokenUsage | null, details: Partial<CallOutcome>) =>
    charge.settle(
      model.price,
      usage && { unit: 'tokens', tokens: usage },
      { ...outcome, ...details },
      attempts,
    );

  let upstreamCalled = false;
  try {
    // Gone while it was admitted (watched since its first byte): nothing goes upstream.
    if (hangUp.signal.aborted) throw new ClientGone();
    const entries =
      dialect.planRoutes?.(call, model.routes) ?? model.routes.map((route) => ({ route, call }));
    const callFor = new Map(entries.map((entry) => [entry.route, entry.call]));
    const client = { headers: request.headers, query: request.query as Record<string, unknown> };
    const attempt = await services.router
      .send(
        model,
        entries.map((entry) => entry.route),
        (route) => {
          upstreamCalled = true;
          return upstreamRequestFor(
            dialect,
            callFor.get(route) ?? call,
            route,
            client,
            plan.clampOutputTokens,
          );
        },
        hangUp.signal,
        attempts,
      )
      .catch((error: unknown) => {
        throw hangUp.signal.aborted ? new ClientGone() : toUpstreamError('upstream', error);
      });
    outcome.provider = attempt.route.provider.name;
    outcome.upstreamModel = attempt.route.model;
    reply.header('x-hypereal-provider', headerValue(attempt.route.provider.name));
    reply.header('x-hypereal-attempts', String(attempts.length));

    const answer: Answer = {
      dialect,
      reply,
      response: attempt.response,
      route: attempt.route,
      call,
      signal: hangUp.signal,
      finish,
    };
    const isSse = String(attempt.response.headers['content-type'] ?? '').includes('text/event-stream');
    if (isSse && !call.stream) {
      // An always-SSE upstream answering a non-streaming call: assemble the one JSON answer.
      sse.stopKeepalive();
      await assembleStream(answer);
      return;
    }
    if (isSse) {
      await relaySse(answer, sse);
      return;
    }
    sse.stopKeepalive();
    await relayJson(answer, sse);
  } catch (error) {
    sse.stopKeepalive();
    if (error instanceof ClientGone || hangUp.signal.aborted) {
      // Abandoned before the answer: the upstream (if it was called) still read the prompt.
      const usage = upstreamCalled ? await countedUsage(dialect, call.body, null) : null;
      await finish(usage, {
        usageSource: usage ? 'counted' : null,
        status: 499,
        errorCode: 'client_closed',
        errorMessage: 'client closed the connection',
      });
      if (!reply.sent) reply.hijack();
      return;
    }
    const failure =
      error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
    if (!sse.started) reply.header('x-hypereal-attempts', String(attempts.length));
    await finish(null, {
      provider: error instanceof UpstreamError ? error.provider : (outcome.provider ?? null),
      status: failure.status,
      errorCode: failure.code,
      errorMessage: failure.message,
    });
    // Keepalives already sent a 200: the error can only travel as a stream event.
    if (!sse.started) throw failure;
    sse.end(dialect.renderStreamError(failure));
  } finally {
    hangUp.release();
  }
}

/** One upstream answer on its way to the client, and how to settle it. */
interface Answer {
  dialect: ProxyDialect;
  reply: FastifyReply;
  response: UpstreamResponse;
  route: ModelRoute;
  call: ParsedCall;
  signal: AbortSignal;
  finish: (usage: TokenUsage | null, details: Partial<CallOutcome>) => Promise<number>;
}

/**
 * Admission of a chat call: the intent or model resolved (wrong-endpoint and unknown-model
 * errors in the dialect's terms), the reply's identifying headers set, and the worst case
 * held — tokens capped to what the balance and the key's cap afford.
 */
async function admitChatCall(
  services: ProxyServices,
  dialect: ProxyDialect,
  request: FastifyRequest,
  reply: FastifyReply,
  target: CallTarget | undefined,
) {
  const state = request.hypereal;
  const principal = state.principal as AuthenticatedKey;
  const body = request.body as { text: string; json: unknown; source?: JsonSource } | undefined;
  const intent = await applyIntent(services, dialect, body);
  const call = dialect.parse(body?.json, target);
  call.source = body?.source;
  const model = resolveModel(services.config.catalog, call.model, dialect.id);
  state.model = model.id;
  if (intent) reply.header('x-hypereal-intent', headerValue(intent));
  // Known before any upstream call, so nothing about the answer can fail on a header.
  reply.header('x-hypereal-model', headerValue(model.id));
  reply.header('x-request-id', state.requestId);

  const holdInput = (affordable: { availableMicro: number; refusal: (() => GatewayError) | undefined }) => ({
    model,
    rawBody: body?.text ?? '',
    rawBytes: body?.source?.byteLength,
    imageParts: body?.source?.imageParts,
    requestedOutputTokens: call.maxOutputTokens,
    choices: call.choices,
    availableMicro: affordable.availableMicro,
    ...(affordable.refusal ? { refusal: affordable.refusal } : {}),
  });
  const { charge, plan } = await admitCall(
    services,
    principal,
    { requestId: state.requestId, endpoint: state.endpoint, startedAt: state.startedAt },
    services.config.billing.minimumBalanceMicro,
    (affordable) => planHold(holdInput(affordable)),
    (planned, heldMicro) =>
      resizeHoldPlan(planned, heldMicro, holdInput({ availableMicro: heldMicro, refusal: undefined })),
  );
  state.logged = true;
  return { call, model, charge, plan };
}

/**
 * Relays a stream event by event while metering it, then charges and logs it before the
 * client sees its end: a crash can lose the end of an answer, never the charge of one the
 * client received whole.
 */
async function relaySse(
  { dialect, response, route, call, signal, finish }: Answer,
  sse: SseResponse,
): Promise<void> {
  const meter = streamMeterFor(dialect, call, route);
  const { interruption, tail } = await relayStream(response, sse, meter, signal);
  const usage = meter.usage ?? (await countedUsage(dialect, call.body, meter));
  const status = interruption === 'client' ? 499 : interruption === 'upstream' ? 502 : 200;
  await finish(usage, {
    usageSource: meter.usage ? 'upstream' : 'counted',
    responseId: meter.answerId ?? null,
    status,
    errorCode: status === 200 ? null : status === 499 ? 'client_closed' : 'upstream_stream_interrupted',
    errorMessage:
      status === 200 ? null : status === 499 ? 'client closed the stream' : 'upstream stream interrupted',
  });
  if (interruption !== 'upstream') {
    sse.end(tail);
    return;
  }
  response.body.destroy();
  const error = new UpstreamError('upstream_error', route.provider.name, null, '', {
    message: 'The upstream stream was interrupted before it finished.',
  });
  // An error the upstream sent itself has already been relayed.
  sse.end(tail + (meter.failed ? '' : (meter.renderError ?? dialect.renderStreamError)(error)));
}

async function relayJson(
  { dialect, reply, response, route, call, signal, finish }: Answer,
  sse: SseResponse,
): Promise<void> {
  const text = await response.body.text().catch((error: unknown) => {
    throw signal.aborted ? new ClientGone() : toUpstreamError(route.provider.name, error);
  });
  const parsed = parseJsonObject(text);
  if (!parsed) {
    throw new UpstreamError('upstream_error', route.provider.name, response.status, text, {
      message: 'The upstream provider returned a malformed response.',
    });
  }
  const answer = jsonAnswerFor(dialect, call, route, parsed);
  const usage = answer.usage ?? (await countedUsage(dialect, call.body, answer.text()));
  await finish(usage, {
    usageSource: answer.usage ? 'upstream' : 'counted',
    status: 200,
    responseId: answer.answerId,
  });
  const out = answer.body === parsed ? text : JSON.stringify(answer.body);
  if (sse.started) {
    sse.end(out);
    return;
  }
  reply.code(200).header('content-type', 'application/json').send(out);
}
/**
 * `intent` instead of `model`: picks the model and writes it into the body, so the
 * rest of the call is an ordinary pinned call. A pinned `model` always wins; `intent`
 * is the gateway's own field and never forwarded.
 */
async function applyIntent(
  services: ProxyServices,
  dialect: ProxyDialect,
  body: { text: string; json: unknown } | undefined,
): Promise<string | undefined> {
  const json = body?.json;
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  const intent = record['intent'];
  if (intent === undefined) return undefined;
  delete record['intent'];
  if (record['model'] !== undefined && record['model'] !== null && record['model'] !== '') return undefined;
  if (typeof intent !== 'string' || intent.length === 0) {
    throw new GatewayError('invalid_request', {
      param: 'intent',
      message: 'intent must be a non-empty string.',
    });
  }
  const requestedOutput = [
    record['max_tokens'],
    record['max_completion_tokens'],
    record['max_output_tokens'],
  ].find((value): value is number => typeof value === 'number');
  const model = await resolveIntent(
    services.config.catalog,
    services.health,
    intent,
    (candidate) => servedOn(dialect.id, candidate),
    needsOf(body?.text ?? '', record, requestedOutput),
  );
  record['model'] = model.id;
  return intent;
}

async function assembleStream({
  dialect,
  reply,
  response,
  route,
  call,
  signal,
  finish,
}: Answer): Promise<void> {
  const meter = streamMeterFor(dialect, call, route);
  try {
    for await (const event of splitSse(response.body)) meter.observe(event);
  } catch (error) {
    throw signal.aborted ? new ClientGone() : toUpstreamError(route.provider.name, error);
  }
  const assembled = meter.assembled?.() ?? null;
  if (!assembled || meter.failed) {
    throw new UpstreamError('upstream_error', route.provider.name, response.status, '', {
      message: 'The upstream provider streamed an answer that could not be completed.',
    });
  }
  const usage = meter.usage ?? (await countedUsage(dialect, call.body, meter));
  await finish(usage, {
    usageSource: meter.usage ? 'upstream' : 'counted',
    status: 200,
    responseId: meter.answerId ?? null,
  });
  reply.code(200).header('content-type', 'application/json').send(JSON.stringify(assembled));
}

function baseOutcome(model: ModelEntry, stream: boolean): CallOutcome {
  return { model: model.id, status: 200, stream };
}

/**
 * Usage when the upstream never reported a final count: the prompt side as reported
 * (if it was) or tokenised, plus the output actually generated, tokenised.
 */
async function countedUsage(
  dialect: ProxyDialect,
  body: Record<string, unknown>,
  generated: StreamMeter | string | null,
): Promise<TokenUsage> {
  const meter = typeof generated === 'object' ? generated : null;
  const text = typeof generated === 'string' ? generated : (meter?.generatedText() ?? '');
  const prompt = meter?.promptUsage;
  return {
    inputTokens: prompt ? prompt.inputTokens : await dialect.countPromptTokens(body),
    cachedInputTokens: prompt?.cachedInputTokens ?? 0,
    cacheWriteTokens: prompt?.cacheWriteTokens ?? 0,
    outputTokens: await countTextTokens(text),
    reasoningTokens: 0,
  };
}
