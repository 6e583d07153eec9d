import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

const repoRoot = join(import.meta.dirname, '../../../..');

/** The chat model ids of docs/api-contract.md §1 and §5, as the contract lists them. */
const contractChatModels = [
  ...'gpt-5, gpt-5.1, gpt-5.2, gpt-5.3, gpt-5.4, gpt-5.5, gpt-5.5-instant, gpt-5.5-pro, gpt-5.4-mini, gpt-5.4-nano, gpt-5.4-official, gpt-5.4-pro-official, gpt-5.2-official, gpt-5-pro-official, gpt-realtime-1.5-official, gpt-audio-1.5-official, glm-5, qwen3.5-plus, qwen3.5-flash, qwen3-max, deepseek-v3.2, kimi-k2.5, MiniMax-M2.5, nano-banana-2'.split(
    ', ',
  ),
  ...'gemini-3-pro-official, gemini-3-pro-preview-official, gemini-3-flash-official, gemini-3-flash-preview-official, gemini-3.1-pro, gemini-3.1-pro-preview-official, gemini-3.1-fast, gemini-3.1-thinking, gemini-3.5-thinking, gemini-3.5-fast, gemini-3.1-flash-lite-preview-official, gemini-2.5-pro-official, gemini-2.5-flash-official, gemini-2.5-flash-lite-official, gemini-2.0-flash-official, gemini-2.0-flash-lite-official, gemini-2.0-flash-vip, gemini-2.5-flash-vip, gemini-2.5-pro-vip, gemini-3-flash-preview-vip'.split(
    ', ',
  ),
];

/** When the contract sits beside the repo (as in CI), check the list above is still its list. */
function modelsListedInContract(): string[] | undefined {
  const path = join(repoRoot, '../shared/spec/api.md');
  if (!existsSync(path)) return undefined;
  const spec = readFileSync(path, 'utf8');
  const section = (heading: string) => {
    const models = spec.indexOf('- Models:', spec.indexOf(heading));
    return spec
      .slice(models + '- Models:'.length, spec.indexOf('\n\n', models))
      .replace(/and the Gemini models of §5\.?/, '')
      .split(/[,\n]/)
      .map((id) => id.trim().replace(/\.$/, ''))
      .filter((id) => id.length > 0);
  };
  return [...section('## 1. Chat Completions'), ...section('## 5. Gemini')];
}

describe('configuration', () => {
  it('the built-in catalog holds every chat model of the API contract, each routed and priced', () => {
    const config = loadConfig({ inline: {}, env: {} });
    const ids = contractChatModels;
    const listed = modelsListedInContract();
    if (listed) expect(ids).toEqual(listed);
    for (const id of ids) {
      const model = config.catalog.resolve(id);
      expect(model, id).toBeDefined();
      // Served on /v1/chat/completions: chat upstreams, or the Gemini API through its codec.
      expect(['openai-chat', 'gemini'], id).toContain(model!.dialect);
      expect(model!.price.input + model!.price.output, id).toBeGreaterThan(0);
      expect(model!.routes.length, id).toBeGreaterThan(0);
    }
    expect(config.catalog.resolve('claude-3-5-haiku-20241022')?.id).toBe('claude-haiku-4-5');
  });

  it('names the bad field', () => {
    const bad = (inline: unknown) => () => loadConfig({ inline, env: {} });
    expect(bad({ models: { m: { route: 'openai/x', price: { input: 'cheap', output: 1 } } } })).toThrow(
      /models\.m\.price\.input: .*expected number/,
    );
    expect(bad({ server: { prot: 1 } })).toThrow(/server: .*prot/);
    expect(bad({ models: { m: { route: 'nowhere/x', price: { input: 1, output: 1 } } } })).toThrow(
      /models\.m\.routes\[0\]: unknown provider "nowhere"/,
    );
    expect(bad({ models: { m: { route: 'openai/x' } } })).toThrow(/models\.m\.price: required/);
    expect(bad({ providers: { p: { adapter: 'telepathy', baseUrl: 'http://x' } } })).toThrow(
      /providers\.p\.adapter: unknown adapter "telepathy"/,
    );
    expect(bad({ aliases: { a: 'no-such-model' } })).toThrow(ConfigError);
  });

  it('lets the environment override provider keys and base URLs, and interpolates $VAR references', () => {
    const config = loadConfig({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax
      inline: { providers: { openai: { apiKey: '${MY_OPENAI}' } } },
      env: { DEEPSEEK_API_KEY: 'sk-ds', DEEPSEEK_BASE_URL: 'http://127.0.0.1:9999/v1/', MY_OPENAI: 'sk-oa' },
    });
    const deepseek = config.providers.get('deepseek')!;
    expect(deepseek.apiKey).toBe('sk-ds');
    expect(deepseek.baseUrl).toBe('http://127.0.0.1:9999/v1');
    expect(config.providers.get('openai')!.apiKey).toBe('sk-oa');
    expect(config.providers.get('qwen')!.apiKey).toBeUndefined();
  });

  it('merges operator models over the catalog and drops disabled ones', () => {
    const config = loadConfig({
      inline: {
        models: {
          'deepseek-v3.2': { price: { input: 1, output: 2 } },
          'gpt-5-pro-official': { disabled: true },
        },
        aliases: { 'claude-opus-4-8': 'claude-opus-4-6' },
      },
      env: {},
    });
    const deepseek = config.catalog.resolve('deepseek-v3.2')!;
    expect(deepseek.price.input).toBe(100_000_000);
    expect(deepseek.routes[0]!.model).toBe('deepseek-chat');
    expect(config.catalog.resolve('gpt-5-pro-official')).toBeUndefined();
    expect(config.catalog.resolve('claude-opus-4-8')?.id).toBe('claude-opus-4-6');
  });

  it('loads the documented example config', () => {
    const config = loadConfig({ path: join(repoRoot, 'hypereal.example.yaml'), env: {} });
    expect(config.catalog.resolve('my-llama')?.routes[0]?.provider.name).toBe('local-vllm');
    expect(config.catalog.resolve('deepseek-v3.2')?.routes.map((route) => route.provider.name)).toEqual([
      'deepseek',
      'openrouter',
    ]);
    expect(config.rateLimits.plans['pro']).toBe(3000);
    // GPU: the example's model runs sync on the self-hosted pool first; its tier override wins.
    expect(config.catalog.media('my-sdxl')?.gpu?.mode).toBe('sync');
    expect(config.catalog.media('my-sdxl')?.routes.map((route) => route.provider.name)).toEqual([
      'workers',
      'runpod',
    ]);
    expect(config.gpu.tiers.get('ADA_48_PRO')?.pricePerSecondMicro).toBe(70_000);
    expect(config.gpu.tiers.get('AMPERE_80')?.pricePerSecondMicro).toBe(95_000);
    expect(config.gpu.syncWaitMs).toBe(240_000);
  });

  it('refuses a GPU model field on a chat model, and a GPU tier without a price', () => {
    expect(() => loadConfig({ inline: { models: { 'gpt-5': { mode: 'sync' } } }, env: {} })).toThrow(
      /models\.gpt-5\.mode: only for media models/,
    );
    expect(() =>
      loadConfig({ inline: { gpu: { tiers: { ADA_24: { name: 'x', memoryGb: 24 } } } }, env: {} }),
    ).toThrow(/gpu\.tiers\.ADA_24\.pricePerSecondCredits/);
  });
});
