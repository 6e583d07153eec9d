import type {
  ChatCompletion,
  ChatRequest,
  SseEvent,
  StreamPart,
  TokenUsage,
  UpstreamRequest,
} from '../contracts/index.ts';

/** Reads an upstream's stream as the canonical lifecycle, event by event. */
export interface ChatStreamTranslator {
  observe(event: SseEvent): StreamPart[];
  /** Closing parts once the upstream ended cleanly (usage, `done`). */
  finish(): StreamPart[];
  /** The upstream's latest usage report, even if the stream is cut later. */
  readonly usage: TokenUsage | null;
  readonly completed: boolean;
  readonly failed: boolean;
}

/**
 * How an upstream that does not speak Chat Completions is reached from the canonical chat
 * form, the one shape every client dialect translates through: N client dialects + M
 * upstream formats, not N × M translators.
 */
export interface UpstreamCodec {
  /** A finished chat request (model, caps and quirks applied) as this format's call at `path`. */
  request(chat: ChatRequest, upstreamModel: string, stream: boolean, path: string): UpstreamRequest;
  responseToChat(response: Record<string, unknown>, upstreamModel: string): ChatCompletion;
  streamToChat(upstreamModel: string): ChatStreamTranslator;
}
