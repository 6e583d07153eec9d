import { loadConfig } from '../config/index.ts';
import { nativeWire } from '../providers/index.ts';

/** Anthropic's base URL has no /v1 (its SDK appends /v1/messages); Gemini's is /v1beta; the others /v1. */
const basePaths: Partial<Record<string, string>> = { anthropic: '', gemini: '/v1beta' };

/**
 * Providers whose real base URL carries a path of its own, which the simulator serves under the
 * same path: Ark / ModelArk (Seedream) at `/api/v3`, BFL at `/v1`.
 */
const providerPaths: Partial<Record<string, string>> = {
  bfl: '/v1',
  byteplus: '/api/v3',
  volcengine: '/api/v3',
};

/**
 * Environment that points every built-in provider at one upstream (the simulator),
 * through the same <NAME>_BASE_URL / <NAME>_API_KEY overrides an operator uses.
 */
export function simulatorEnv(simulatorUrl: string, apiKey: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, provider] of loadConfig({ inline: {}, env: {} }).providers) {
    const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    const path = providerPaths[name] ?? basePaths[nativeWire(provider.adapter)] ?? '/v1';
    env[`${prefix}_BASE_URL`] = `${simulatorUrl}${path}`;
    env[`${prefix}_API_KEY`] = apiKey;
  }
  return env;
}
