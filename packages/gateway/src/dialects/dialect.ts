import type {
  ChatCompletion,
  ChatRequest,
  SseEvent,
  StreamPart,
  TokenUsage,
  UpstreamRequest,
  WireDialect,
} from '../contracts/index.ts';
import type { JsonSource } from '../contracts/json-source.ts';
import type { GatewayError } from '../errors/index.ts';
import type { ModelRoute } from '../routing/model-route.ts';

/** What the proxy needs to know of one client call, whatever its wire format. */
export interface ParsedCall {
  /** The client's body, forwarded after the dialect's and provider's named adjustments. */
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Output cap the client set, if any (bounds the hold). */
  maxOutputTokens: number | undefined;
  /** Answers generated per call (OpenAI `n`). */
  choices: number;
  /** The body as it arrived, when it was JSON: a pass-through copies its untouched members' text. */
  source?: JsonSource | undefined;
}

export interface CallTarget {
  model?: string;
  stream?: boolean;
}

/**
 * Reads a relayed stream: usage for billing, text for counting, and what the client
 * gets — the event's own bytes (pass-through), nothing, or a translation (a
 * `LifecycleStreamMeter`: the canonical lifecycle, tallied once, encoded by the dialect).
 */
export interface StreamMeter {
  /** Bytes to send the client for this upstream event; null sends nothing. */
  observe(event: SseEvent): string | null;
  /** Bytes to send once the upstream stream ended cleanly (a translator's closing events). */
  finish?(): string | null;
  /** The whole answer as one JSON object, for a client that did not ask to stream (always-SSE upstreams). */
  assembled?(): Record<string, unknown> | null;
  /** The upstream's id for the answer, when it can be fetched again later (stored Responses). */
  readonly answerId?: string | null;
  /** A mid-stream error in this stream's own framing (e.g. with its next sequence number). */
  renderError?(error: GatewayError): string;
  /** Final usage as the upstream reported it, once known. */
  readonly usage: TokenUsage | null;
  /** Input-side usage the upstream reported before the output finished (Anthropic's message_start). */
  readonly promptUsage: TokenUsage | null;
  /** The dialect's end-of-stream marker arrived. */
  readonly completed: boolean;
  /** The upstream itself reported an error inside the stream (already forwarded). */
  readonly failed: boolean;
  generatedText(): string;
}

/**
 * Writes the canonical lifecycle in one client format: it only produces bytes (framing,
 * sequence numbers, ids); what the stream used and generated is tallied elsewhere.
 */
export interface StreamEncoder {
  /** Bytes for the parts one upstream event became; null sends nothing. */
  encode(parts: readonly StreamPart[]): string | null;
  /** Bytes once the upstream stream ended cleanly (the format's closing events). */
  finish?(): string | null;
  /** The whole answer as one JSON object, for a client that did not ask to stream. */
  assembled?(): Record<string, unknown> | null;
  /** A mid-stream error in this format's own framing. */
  renderError?(error: GatewayError): string;
}

export interface ClientRequestContext {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

/**
 * One client wire format as the metered proxy sees it, both ways: its own call for an
 * upstream that speaks it (pass-through, with a usage meter), and its call in the
 * canonical chat form and back for one that does not (translation). Which of the two a
 * route gets is decided once, by `planWire`. Implemented once per dialect.
 */
export interface ProxyDialect {
  readonly id: WireDialect;
  /** `target` carries what some wire formats put in the URL (Gemini: the model and streaming). */
  parse(json: unknown, target?: CallTarget): ParsedCall;
  /** The client's own call at `path` of an upstream that speaks this format. */
  passThrough(
    call: ParsedCall,
    route: ModelRoute,
    path: string,
    client: ClientRequestContext,
    clampOutputTokens: number | undefined,
  ): UpstreamRequest;
  /** The client's call in the canonical form (for an upstream that speaks another format). */
  toChat(call: ParsedCall, route: ModelRoute): ChatRequest;
  /** A canonical answer as this format's answer. */
  fromChat(answer: ChatCompletion, call: ParsedCall): Record<string, unknown>;
  /** Meters this format's own stream (pass-through): usage, text, the events' own bytes. */
  passThroughMeter(call: ParsedCall, route: ModelRoute): StreamMeter;
  /** Writes the canonical stream (read from chat SSE or an upstream codec) as this format's stream. */
  chatEncoder(call: ParsedCall): StreamEncoder;
  /** Sees a passed-through JSON answer before it is sent on (e.g. who signed its thinking). */
  onPassThroughAnswer?(response: Record<string, unknown>, route: ModelRoute): void;
  /** The upstream's id for a passed-through JSON answer that can be fetched again later. */
  answerId?(response: Record<string, unknown>): string | undefined;
  readUsage(response: Record<string, unknown>): TokenUsage | null;
  /** Text of a JSON answer, for counting when the upstream reported no usage. */
  completionText(response: Record<string, unknown>): string;
  countPromptTokens(body: Record<string, unknown>): Promise<number>;
  /**
   * Which routes may serve this call, in order, and the call each gets — e.g. history
   * signed by one API family only replays there. Default: every route, same call.
   */
  planRoutes?(
    call: ParsedCall,
    routes: readonly ModelRoute[],
  ): Array<{ route: ModelRoute; call: ParsedCall }>;
  renderError(error: GatewayError): { status: number; body: unknown };
  renderStreamError(error: GatewayError): string;
  /** Sent on an otherwise idle stream (every `server.keepaliveMs`) so proxies keep it open. */
  readonly keepaliveEvent: string;
}
