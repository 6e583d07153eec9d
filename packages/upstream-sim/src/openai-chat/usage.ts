import type { GeneratedChoice } from './types.ts';

/**
 * `CompletionUsage`: prompt tokens include cached ones, completion tokens include reasoning ones.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export function buildUsage(
  promptTokens: number,
  cachedTokens: number,
  choices: readonly GeneratedChoice[],
): CompletionUsage {
  let reasoning = 0;
  let output = 0;
  for (const choice of choices) {
    reasoning += choice.reasoningTokens;
    output += choice.outputTokens;
  }
  const completion = output + reasoning;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
