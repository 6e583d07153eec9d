import { loadConfig } from '../config/index.ts';
import { nativeWire } from '../providers/index.ts';

/** Anthropic's base URL has no /v1 (its SDK appends /v1/messages); Gemini's is /v1beta; the others /v1. */
const basePaths: Partial<Record<string, string>> = { anthropic: '', gemini: '/v1beta' };

/**
 * Providers whose real base URL carries a path of its own, which the simulator serves under the
 * same path: Ark / ModelArk (Seedream, Seedance) at `/api/v3`, BFL at `/v1`, DashScope (Wan video)
 * at `/api/v1`, Vidu at `/ent/v2`, xAI at `/v1`; Fish Audio and Kling at the host root.
 * MiniMax (`/v1`) and Google (`/v1beta`, Veo too) follow their adapters.
 */
const providerPaths: Partial<Record<string, string>> = {
  bfl: '/v1',
  byteplus: '/api/v3',
  volcengine: '/api/v3',
  dashscope: '/api/v1',
  vidu: '/ent/v2',
  xai: '/v1',
  runpod: '/v2',
  'fish-audio': '',
  kling: '',
};

/**
 * Environment that points every built-in provider at one upstream (the simulator),
 * through the same <NAME>_BASE_URL / <NAME>_API_KEY overrides an operator uses. Kling signs
 * JWTs from an access key and a secret key (`KLING_ACCESS_KEY` / `KLING_SECRET_KEY`); the
 * simulator by default takes any accepted key as an access key that is its own secret.
 */
export function simulatorEnv(simulatorUrl: string, apiKey: string): Record<string, string> {
  const env: Record<string, string> = {};
  const config = loadConfig({ inline: {}, env: {} });
  for (const [name, provider] of config.providers) {
    // The self-hosted GPU pool is the gateway itself, not an upstream.
    if (config.gpu.apis.get(name) === 'workers') continue;
    const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    const path = providerPaths[name] ?? basePaths[nativeWire(provider.adapter)] ?? '/v1';
    env[`${prefix}_BASE_URL`] = `${simulatorUrl}${path}`;
    env[`${prefix}_API_KEY`] = apiKey;
  }
  // RunPod's management API (REST v2, https://docs.runpod.io/api-reference) on its own host;
  // the simulator serves it under /v2 beside the job API.
  env['RUNPOD_REST_BASE_URL'] = `${simulatorUrl}/v2`;
  env['KLING_ACCESS_KEY'] = apiKey;
  env['KLING_SECRET_KEY'] = apiKey;
  return env;
}
