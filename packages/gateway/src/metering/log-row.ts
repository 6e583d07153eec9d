import type { MeteredUsage } from '../contracts/index.ts';
import type { RequestLogEntry } from '../usage/index.ts';

/** Who made a metered call, and when: the part of its log row known at admission. */
export interface CallContext {
  requestId: string;
  userId: string | null;
  keyId: string | null;
  /** The org whose key made the call (its wallet pays). */
  orgId?: string | null | undefined;
  endpoint: string;
  startedAt: number;
}

/** What happened to the call: everything of its log row the metering does not compute. */
export interface CallOutcome {
  model: string | null;
  provider?: string | null;
  upstreamModel?: string | null;
  status: number;
  stream?: boolean;
  usageSource?: 'upstream' | 'counted' | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  responseId?: string | null;
  modelRule?: string | null;
}

/** The one builder of a request-log row, for a charged call, a refused one and everything between. */
export function requestLogRow(
  context: CallContext,
  outcome: CallOutcome,
  usage: MeteredUsage | null,
  costMicro: number,
  now = Date.now(),
): RequestLogEntry {
  const tokens = usage?.unit === 'tokens' ? usage.tokens : null;
  return {
    id: context.requestId,
    userId: context.userId,
    keyId: context.keyId,
    orgId: context.orgId ?? null,
    endpoint: context.endpoint,
    model: outcome.model,
    provider: outcome.provider ?? null,
    upstreamModel: outcome.upstreamModel ?? null,
    status: outcome.status,
    stream: outcome.stream ?? false,
    latencyMs: now - context.startedAt,
    promptTokens: tokens?.inputTokens ?? 0,
    completionTokens: tokens?.outputTokens ?? 0,
    cachedTokens: tokens?.cachedInputTokens ?? 0,
    reasoningTokens: tokens?.reasoningTokens ?? 0,
    usageSource: outcome.usageSource ?? null,
    costMicro,
    errorCode: outcome.errorCode ?? null,
    // Bounded: a message may quote what the client sent (a megabyte model name).
    errorMessage: outcome.errorMessage?.slice(0, 1000) ?? null,
    responseId: outcome.responseId ?? null,
    modelRule: outcome.modelRule ?? null,
    imageCount: usage?.unit === 'images' ? usage.images : 0,
    imageTier: usage?.unit === 'images' ? (usage.tier ?? null) : null,
    createdAt: context.startedAt,
  };
}
