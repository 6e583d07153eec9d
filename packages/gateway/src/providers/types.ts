import type { WireDialect } from '../contracts/index.ts';

export interface ProviderCapabilities {
  /** Honours `stream_options.include_usage` (usage chunk at the end of a stream). */
  streamUsage: boolean;
  /** Which field caps generated tokens on this API: a client's cap is moved into it. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

/**
 * What a kind of upstream API speaks and needs: data plus a few named functions.
 * Core code asks `adapter.speaks` and `adapter.capabilities.*`; it never compares provider ids.
 */
export interface ProviderAdapter {
  readonly id: string;
  /**
   * The wire formats this API accepts, each with its path below the provider's base URL;
   * the first is the API's own. A client call in one of them passes through, any other is
   * translated (`planWire`).
   */
  readonly speaks: Readonly<Partial<Record<WireDialect, string>>>;
  readonly capabilities: ProviderCapabilities;
  /** Headers that authenticate a call with this provider's key. */
  authHeaders(apiKey: string): Record<string, string>;
  /** A named quirk applied to an outgoing chat body (mutates a copy owned by the caller). */
  adjustRequest?: (body: Record<string, unknown>) => void;
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
