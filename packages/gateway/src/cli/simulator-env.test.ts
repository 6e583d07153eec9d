import { describe, expect, it } from 'vitest';
import { simulatorEnv } from './simulator-env.ts';

describe('simulatorEnv', () => {
  it('points each provider at the simulator path that mirrors its real base URL', () => {
    const env = simulatorEnv('http://127.0.0.1:9100', 'sim-key');
    expect(env).toMatchObject({
      OPENAI_BASE_URL: 'http://127.0.0.1:9100/v1',
      GOOGLE_BASE_URL: 'http://127.0.0.1:9100/v1beta',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9100',
      // https://api.bfl.ai/v1 → POST /v1/flux-2-pro, GET /v1/get_result
      BFL_BASE_URL: 'http://127.0.0.1:9100/v1',
      // https://ark.ap-southeast.bytepluses.com/api/v3 and https://ark.cn-beijing.volces.com/api/v3
      BYTEPLUS_BASE_URL: 'http://127.0.0.1:9100/api/v3',
      VOLCENGINE_BASE_URL: 'http://127.0.0.1:9100/api/v3',
      BFL_API_KEY: 'sim-key',
      BYTEPLUS_API_KEY: 'sim-key',
    });
  });
  it('points each media vendor at the simulator under the path its real base URL has', () => {
    const env = simulatorEnv('http://127.0.0.1:9', 'sim-key');
    expect(env).toMatchObject({
      GOOGLE_BASE_URL: 'http://127.0.0.1:9/v1beta',
      BYTEPLUS_BASE_URL: 'http://127.0.0.1:9/api/v3',
      VOLCENGINE_BASE_URL: 'http://127.0.0.1:9/api/v3',
      KLING_BASE_URL: 'http://127.0.0.1:9',
      MINIMAX_BASE_URL: 'http://127.0.0.1:9/v1',
      DASHSCOPE_BASE_URL: 'http://127.0.0.1:9/api/v1',
      VIDU_BASE_URL: 'http://127.0.0.1:9/ent/v2',
      XAI_BASE_URL: 'http://127.0.0.1:9/v1',
      FISH_AUDIO_BASE_URL: 'http://127.0.0.1:9',
      FISH_AUDIO_API_KEY: 'sim-key',
      KLING_ACCESS_KEY: 'sim-key',
      KLING_SECRET_KEY: 'sim-key',
    });
  });
  it('points RunPod at the simulator (job API and management REST v2) and leaves the self-hosted pool alone', () => {
    const env = simulatorEnv('http://127.0.0.1:9', 'sim-key');
    expect(env).toMatchObject({
      // https://api.runpod.ai/v2/{endpoint}/run and https://api.runpod.io/v2/serverless
      RUNPOD_BASE_URL: 'http://127.0.0.1:9/v2',
      RUNPOD_REST_BASE_URL: 'http://127.0.0.1:9/v2',
      RUNPOD_API_KEY: 'sim-key',
    });
    expect(env['WORKERS_BASE_URL']).toBeUndefined();
  });
});
