/** Token usage as providers report it: cached/cache-write are subsets of input, reasoning a subset of output. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export const emptyUsage: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};

/**
 * What one metered call delivered, in its model kind's unit: the one thing a meter
 * reports and pricing reads. Chat counts tokens; images count what came back (at the
 * request's resolution tier); video counts clips and seconds; audio counts requests;
 * GPU counts execution seconds.
 */
export type MeteredUsage =
  | { unit: 'tokens'; tokens: TokenUsage }
  | { unit: 'images'; images: number; tier?: string | undefined }
  | { unit: 'video'; clips: number; seconds: number }
  | { unit: 'requests'; requests: number }
  | { unit: 'gpu-seconds'; seconds: number };

export type UsageUnit = MeteredUsage['unit'];
