import { anthropic } from './anthropic.ts';
import { deepseek } from './deepseek.ts';
import { gemini } from './gemini.ts';
import { glm } from './glm.ts';
import { google } from './google.ts';
import { kimi } from './kimi.ts';
import { minimax } from './minimax.ts';
import { ollama } from './ollama.ts';
import { openai } from './openai.ts';
import { openAiCompatible } from './openai-compatible.ts';
import { qwen } from './qwen.ts';
import type { ProviderAdapter } from './types.ts';

export type { Provider, ProviderAdapter, ProviderCapabilities } from './types.ts';
export { nativeWire, planWire, type WirePlan } from './wire-plan.ts';

/** The only list of adapters; config files refer to them by id. */
export const adapters: Readonly<Record<string, ProviderAdapter>> = Object.fromEntries(
  [openAiCompatible, openai, deepseek, qwen, glm, kimi, minimax, google, gemini, ollama, anthropic].map(
    (adapter) => [adapter.id, adapter],
  ),
);
