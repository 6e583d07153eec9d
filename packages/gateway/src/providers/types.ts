import type {
  ChatCompletion,
  ChatRequest,
  ChatStreamEvent,
  SseEvent,
  TokenUsage,
  UpstreamRequest,
  WireDialect,
} from '../contracts/index.ts';

export interface ProviderCapabilities {
  /** Honours `stream_options.include_usage` (usage chunk at the end of a stream). */
  streamUsage: boolean;
  /** Which field caps generated tokens on this API. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

/**
 * What a kind of upstream API speaks and needs: data plus a few named functions.
 * Core code asks `adapter.capabilities.*`; it never compares provider ids.
 */
export interface ProviderAdapter {
  readonly id: string;
  readonly dialect: WireDialect;
  readonly capabilities: ProviderCapabilities;
  /** Headers that authenticate a call with this provider's key. */
  authHeaders(apiKey: string): Record<string, string>;
  /** Path appended to the provider base URL for a chat call. */
  readonly chatPath: string;
  /** Path of the OpenAI Responses API, for upstreams that have it (else Responses calls are translated to chat). */
  readonly responsesPath?: string;
  /** A named quirk applied to the outgoing body (mutates a copy owned by the caller). */
  adjustRequest?: (body: Record<string, unknown>) => void;
  /** Set when `dialect` is not Chat Completions but chat calls can be translated to it. */
  readonly chatCodec?: ChatCodec;
}

/** Reads an upstream's stream as the canonical typed stream, event by event. */
export interface ChatStreamTranslator {
  observe(event: SseEvent): ChatStreamEvent[];
  /** Closing events once the upstream ended cleanly (usage, `done`). */
  finish(): ChatStreamEvent[];
  /** The upstream's latest usage report, even if the stream is cut later. */
  readonly usage: TokenUsage | null;
  readonly completed: boolean;
  readonly failed: boolean;
}

/**
 * How an upstream with its own wire format is reached from Chat Completions, the one
 * canonical shape every client dialect translates through: N dialects + M upstream
 * formats, not N × M translators.
 */
export interface ChatCodec {
  /** A finished chat request (model, caps and quirks applied) as this upstream's call. */
  request(chat: ChatRequest, upstreamModel: string, stream: boolean): UpstreamRequest;
  responseToChat(response: Record<string, unknown>, upstreamModel: string): ChatCompletion;
  streamToChat(upstreamModel: string): ChatStreamTranslator;
}

/** A configured provider: an adapter bound to a base URL and key. */
export interface Provider {
  readonly name: string;
  readonly adapter: ProviderAdapter;
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly keyRequired: boolean;
  readonly headers: Record<string, string>;
  /** Who can verify this upstream's thinking signatures (Anthropic API, Bedrock, Vertex…). */
  readonly signatureFamily: string;
}
