import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

const load = (inline: unknown) => loadConfig({ inline, env: {} });

describe('image rules in the catalog', () => {
  it('gpt-image-2 carries the contract rules, its sizes priced by tier', () => {
    const rules = load({}).catalog.media('gpt-image-2')?.imageRules;
    expect(rules).toMatchObject({
      sizes: ['1024x1024', '1536x1024', '1024x1536', '2048x2048', '4096x4096'],
      sizeTiers: { '2048x2048': '2K', '4096x4096': '4K' },
      maxReferences: 4,
      referenceSources: ['https'],
    });
  });

  it('an operator override of rules merges over the catalog’s, field by field', () => {
    const rules = load({ models: { 'gpt-image-2': { rules: { maxReferences: 2 } } } }).catalog.media(
      'gpt-image-2',
    )?.imageRules;
    expect(rules?.maxReferences).toBe(2);
    expect(rules?.sizes).toHaveLength(5);
  });

  it('a model without rules gets the defaults (1–10 images, no references)', () => {
    const model = load({
      models: { mine: { kind: 'image', route: 'openai/gpt-image-1', price: { perImage: 1 } } },
    }).catalog.media('mine');
    expect(model?.imageRules).toMatchObject({ maxImages: 10, maxReferences: 0 });
  });

  it('refuses a tier without a price, a size tier outside sizes, an unknown imageApi, a bad size', () => {
    const image = (rules: unknown) => ({
      models: {
        mine: { kind: 'image', route: 'openai/x', price: { perImage: 1, tiers: { '1K': 1 } }, rules },
      },
    });
    expect(() => load(image({ resolutions: ['1K', '8K'] }))).toThrow(/tier "8K" has no price/);
    expect(() => load(image({ sizes: ['1024x1024'], sizeTiers: { '2048x2048': '1K' } }))).toThrow(
      /2048x2048 is not in rules.sizes/,
    );
    expect(() => load(image({ sizes: ['big'] }))).toThrow(ConfigError);
    expect(() => load({ providers: { openai: { imageApi: 'dall-e-api' } } })).toThrow(
      /unknown image API "dall-e-api"/,
    );
  });
});
