/**
 * The contracts every layer shares: the canonical chat request, answer and stream, token and
 * metered usage, the wire-dialect ids, the upstream request, and the JSON object type with its
 * one reader. Types, constants and that pure reader only; this folder imports nothing outside
 * itself, so anything may import it.
 */
export type { BreakerState } from './breaker-state.ts';
export type * from './chat.ts';
export type * from './chat-stream.ts';
export { type Json, parseJsonObject } from './json.ts';
export type { SseEvent } from './sse-event.ts';
export type { UpstreamRequest } from './upstream-request.ts';
export { emptyUsage, type MeteredUsage, type TokenUsage, type UsageUnit } from './usage.ts';
export { type WireDialect, wireDialects } from './wire-dialect.ts';
