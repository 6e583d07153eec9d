import { loadConfig } from '../config/index.ts';
import { nativeWire } from '../providers/index.ts';

/** Anthropic's base URL has no /v1 (its SDK appends /v1/messages); Gemini's is /v1beta; the others /v1. */
const basePaths: Partial<Record<string, string>> = { anthropic: '', gemini: '/v1beta' };

/**
 * Environment that points every built-in provider at one upstream (the simulator),
 * through the same <NAME>_BASE_URL / <NAME>_API_KEY overrides an operator uses.
 */
export function simulatorEnv(simulatorUrl: string, apiKey: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, provider] of loadConfig({ inline: {}, env: {} }).providers) {
    const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    env[`${prefix}_BASE_URL`] = `${simulatorUrl}${basePaths[nativeWire(provider.adapter)] ?? '/v1'}`;
    env[`${prefix}_API_KEY`] = apiKey;
  }
  return env;
}
