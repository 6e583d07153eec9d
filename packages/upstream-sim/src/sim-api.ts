import type { Exchange } from './http/exchange.ts';

/**
 * One simulated provider API (OpenAI Chat, OpenAI Responses, Anthropic Messages and Gemini),
 * each in its own folder. The server owns transport, recording and faults; an API owns
 * its routes, auth and error envelope.
 */
export interface SimApi {
  readonly routes: readonly SimRoute[];
  /** Whether an unmatched path belongs to this API, so its 404 uses this API's envelope. */
  claimsPath?(path: string): boolean;
  /** Answers with this API's error envelope; used for status faults and unknown routes. */
  sendError(exchange: Exchange, status: number, message?: string): void;
  /** Forgets per-API state such as the prompt cache. */
  reset(): void;
  /** Stops the API's own timers when the simulator closes. */
  close?(): void;
}

export interface SimRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string | RegExp;
  /** The model a request targets, for `Fault.match.model`; defaults to the JSON body's `model` (Fish Audio: its `model` header). */
  modelOf?(exchange: Pick<Exchange, 'path' | 'body' | 'request'>): string | undefined;
  handle(exchange: Exchange): Promise<void>;
}

export interface SimApiOptions {
  /** Accepted keys; when absent any non-empty key is accepted. */
  apiKeys: readonly string[] | undefined;
  /** Known models; when absent any model name is accepted. */
  models: readonly string[] | undefined;
}
