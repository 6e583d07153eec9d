import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../src/billing/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

interface GpuModel {
  slug: string;
  object: string;
  name: string;
  mode: string;
  price: { perCall?: number; perSecond?: number };
  maxSeconds: number;
  inputSchema: { properties: Record<string, unknown> };
}

describe('GPU serverless models: catalogue and input checks', () => {
  let harness: Harness;
  let user: TestUser;

  beforeAll(async () => {
    harness = await startHarness({ config: { jobs: { tickMs: 20, maxPollIntervalMs: 50 } } });
    user = await harness.newUser(1000);
  });
  afterAll(async () => {
    await harness.close();
  });

  const call = (method: string, path: string, body?: unknown, key = user.key) =>
    fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('lists the catalogue with prices, limits, mode and input schema, and the GPU tiers', async () => {
    const models = (await (await call('GET', '/gpu/models')).json()) as { object: string; data: GpuModel[] };
    expect(models.object).toBe('list');
    const bySlug = new Map(models.data.map((model) => [model.slug, model]));
    expect(bySlug.get('sdxl')).toMatchObject({
      object: 'gpu.model',
      name: 'Stable Diffusion XL',
      mode: 'sync',
      price: { perCall: 50 },
      maxSeconds: 120,
      modalities: ['text-to-image'],
    });
    expect(bySlug.get('wan-video')).toMatchObject({
      mode: 'async',
      price: { perSecond: 2 },
      maxSeconds: 600,
    });
    expect(Object.keys(bySlug.get('sdxl')?.inputSchema.properties ?? {})).toContain('prompt');

    const tiers = (await await fetch(`${harness.gateway.url}/api/v1/gpu/tiers`, {
      headers: { authorization: `Bearer ${user.key}` },
    }).then((response) => response.json())) as {
      data: { id: string; memoryGb: number; pricePerSecondCredits: number }[];
    };
    expect(tiers.data.find((tier) => tier.id === 'ADA_48_PRO')).toMatchObject({
      memoryGb: 48,
      pricePerSecondCredits: 0.06625,
    });
  });

  it('refuses a bad input with a 400 naming the field, before holding anything', async () => {
    const cases: [string, unknown, string][] = [
      ['/gpu/sdxl', { input: {} }, 'input.prompt'],
      ['/gpu/sdxl', { input: { prompt: 'x', width: 100_000 } }, 'input.width'],
      ['/gpu/sdxl', { input: { prompt: 'x', colour: 'red' } }, 'input.colour'],
      ['/gpu/wan-video', { input: { prompt: 'x', seconds: -1 } }, 'input.seconds'],
      ['/gpu/sdxl', { prompt: 'x' }, 'input'],
    ];
    for (const [path, body, param] of cases) {
      const response = await call('POST', path, body);
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      const error = ((await response.json()) as { error: { param: string } }).error;
      expect(error.param).toBe(param);
    }
    const unknown = await call('POST', '/gpu/no-such-model', { input: { prompt: 'x' } });
    expect(unknown.status).toBe(400);
    expect(
      ((await unknown.json()) as { error: { available_models: string[] } }).error.available_models,
    ).toContain('sdxl');
    expect((await call('POST', '/gpu/gpt-image-2', { input: { prompt: 'x' } })).status).toBe(400);
    expect(await harness.balancedBalance(user.user.id)).toBe(creditsToMicro(1000));
  });
});
