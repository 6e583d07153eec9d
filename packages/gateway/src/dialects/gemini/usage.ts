import type { TokenUsage } from '../../contracts/index.ts';
import { num } from '../json-fields.ts';

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Reads Gemini `usageMetadata`. The prompt count includes cached tokens (and tool-use
 * prompt tokens are input too); `candidatesTokenCount` excludes thoughts, so billed
 * output is candidates + thoughts and the reasoning share is the thoughts
 * (`thoughtsTokenCount`). Proto3 JSON omits zero counts: a missing candidates count is
 * what the total leaves over. Gemini has no cache writes (caches are made out of band).
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function readGeminiUsage(usageMetadata: unknown): TokenUsage | null {
  if (!usageMetadata || typeof usageMetadata !== 'object') return null;
  const record = usageMetadata as Record<string, unknown>;
  const prompt = count(record['promptTokenCount']);
  const candidates = count(record['candidatesTokenCount']);
  const total = count(record['totalTokenCount']);
  if (prompt === undefined && candidates === undefined && total === undefined) return null;
  const thoughts = num(record['thoughtsTokenCount']);
  const inputTokens = (prompt ?? 0) + num(record['toolUsePromptTokenCount']);
  const generated = candidates ?? Math.max(0, (total ?? 0) - inputTokens - thoughts);
  return {
    inputTokens,
    outputTokens: generated + thoughts,
    cachedInputTokens: num(record['cachedContentTokenCount']),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}
