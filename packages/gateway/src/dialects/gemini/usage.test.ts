import { describe, expect, it } from 'vitest';
import { readGeminiUsage } from './usage.ts';

// usageMetadata shapes from the UsageMetadata reference
// (https://ai.google.dev/api/generate-content#UsageMetadata) and the token guide
// (https://ai.google.dev/gemini-api/docs/tokens).
const rows = [
  {
    name: 'text answer',
    metadata: { promptTokenCount: 4, candidatesTokenCount: 12, totalTokenCount: 16 },
    usage: {
      inputTokens: 4,
      outputTokens: 12,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    },
  },
  {
    name: 'thinking: output = candidates + thoughts, reasoning = thoughts',
    metadata: {
      promptTokenCount: 10,
      candidatesTokenCount: 120,
      thoughtsTokenCount: 980,
      totalTokenCount: 1110,
    },
    usage: {
      inputTokens: 10,
      outputTokens: 1100,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 980,
    },
  },
  {
    name: 'cachedContent: prompt includes the cached part',
    metadata: {
      promptTokenCount: 5000,
      cachedContentTokenCount: 4096,
      candidatesTokenCount: 50,
      totalTokenCount: 5050,
    },
    usage: {
      inputTokens: 5000,
      outputTokens: 50,
      cachedInputTokens: 4096,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    },
  },
  {
    name: 'tool-use prompt tokens are input',
    metadata: {
      promptTokenCount: 30,
      toolUsePromptTokenCount: 200,
      candidatesTokenCount: 40,
      totalTokenCount: 270,
    },
    usage: {
      inputTokens: 230,
      outputTokens: 40,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    },
  },
  {
    name: 'a zero candidates count omitted (proto3 JSON): what the total leaves',
    metadata: { promptTokenCount: 8, thoughtsTokenCount: 3, totalTokenCount: 11 },
    usage: { inputTokens: 8, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 3 },
  },
];

describe('readGeminiUsage', () => {
  it.each(rows)('$name', ({ metadata, usage }) => {
    expect(readGeminiUsage(metadata)).toEqual(usage);
  });

  it.each([undefined, null, 'x', {}, { trafficType: 'ON_DEMAND' }])(
    'has nothing to read in %j',
    (metadata) => {
      expect(readGeminiUsage(metadata)).toBeNull();
    },
  );
});
