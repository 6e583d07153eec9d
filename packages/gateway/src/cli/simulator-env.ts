import { loadConfig } from '../config/index.ts';

/**
 * Environment that points every built-in provider at one upstream (the simulator),
 * through the same <NAME>_BASE_URL / <NAME>_API_KEY overrides an operator uses.
 */
export function simulatorEnv(simulatorUrl: string, apiKey: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, provider] of loadConfig({ inline: {}, env: {} }).providers) {
    const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    // Anthropic's base URL has no /v1 (its SDK appends /v1/messages); the others do.
    env[`${prefix}_BASE_URL`] =
      provider.adapter.dialect === 'anthropic' ? simulatorUrl : `${simulatorUrl}/v1`;
    env[`${prefix}_API_KEY`] = apiKey;
  }
  return env;
}
