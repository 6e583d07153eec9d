import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

describe('catalog: family patterns, aliases and listings in every dialect', () => {
  let harness: Harness;
  let user: TestUser;

  beforeAll(async () => {
    harness = await startHarness({ config: { aliases: { 'claude-opus-4-8-alias': 'claude-opus-4-6' } } });
    user = await harness.newUser(1000);
  });
  afterAll(() => harness.close());

  it('forwards an id the catalog does not list yet under its family, at the family price', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const completion = await user.client.chat.completions.create({
      model: 'gpt-6-preview',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect((harness.sim.requests.at(-1)!.body as { model: string }).model).toBe('gpt-6-preview');
    const usage = completion.usage!;
    const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
    // gpt-* family: $2.5 in, $0.25 cached, $15 out per million → 250, 25, 1500 micro-credits per token
    const expected = (usage.prompt_tokens - cached) * 250 + cached * 25 + usage.completion_tokens * 1500;
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(expected);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ model: 'gpt-6-preview', model_rule: 'pattern:gpt-*', provider: 'openai' });
  });

  it('keeps the rule that resolved each call in the request log', async () => {
    const claude = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const ask = (model: string) =>
      claude.messages.create({ model, max_tokens: 32, messages: [{ role: 'user', content: 'x' }] });
    await ask('claude-opus-4-8');
    await ask('claude-opus-4-8-alias');
    await ask('claude-sonnet-4-5-20250929');
    await ask('claude-haiku-4-5');
    const logs = (await listRequestLogs(harness.db, user.user.id, 4)).reverse();
    expect(logs.map((log) => [log.model, log.model_rule])).toEqual([
      ['claude-opus-4-8', 'pattern:claude-opus-*'],
      ['claude-opus-4-6', 'alias:claude-opus-4-8-alias'],
      ['claude-sonnet-4-6', 'alias:claude-sonnet-4-5-20250929'],
      ['claude-haiku-4-5', 'catalog'],
    ]);
  });

  it('still refuses an id that matches no model, alias or family', async () => {
    const error = await user.client.chat.completions
      .create({ model: 'llama-99-mega', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught as { status: number; error: { available_models: string[] } });
    expect((error as { status: number }).status).toBe(400);
  });

  it('lists models in the OpenAI, Anthropic and Google shapes', async () => {
    const openaiIds: string[] = [];
    for await (const model of user.client.models.list()) openaiIds.push(model.id);
    expect(openaiIds).toEqual(
      expect.arrayContaining(['gpt-5.5', 'deepseek-v3.2', 'gpt-5.3-codex', 'claude-opus-4-6']),
    );

    const claude = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const anthropicIds: string[] = [];
    for await (const model of claude.models.list()) {
      expect(model.type).toBe('model');
      anthropicIds.push(model.id);
    }
    // Claude models, and the chat models the gateway translates for Anthropic clients; not Responses-only ones.
    expect(anthropicIds).toEqual(
      expect.arrayContaining(['claude-haiku-4-5', 'claude-opus-4-6', 'deepseek-v3.2']),
    );
    expect(anthropicIds).not.toContain('gpt-5.3-codex');
    expect((await claude.models.retrieve('claude-opus-4-8')).id).toBe('claude-opus-4-8');

    const google = await fetch(`${harness.gateway.url}/v1beta/models`, {
      headers: { 'x-goog-api-key': user.key },
    });
    const { models } = (await google.json()) as {
      models: Array<{ name: string; supportedGenerationMethods: string[] }>;
    };
    expect(models.map((model) => model.name)).toEqual(
      expect.arrayContaining(['models/gemini-3.5-fast', 'models/gemini-2.5-pro-official']),
    );
    expect(
      models.every(
        (model) => model.name.startsWith('models/gemini') || model.name === 'models/nano-banana-2',
      ),
    ).toBe(true);
    const unauthenticated = await fetch(`${harness.gateway.url}/v1beta/models`);
    expect(unauthenticated.status).toBe(401);
  });
});
