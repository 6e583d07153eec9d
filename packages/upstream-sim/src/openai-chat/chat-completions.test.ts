import { encode } from 'gpt-tokenizer';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Tell me about rivers.' },
] as const;

describe('POST /v1/chat/completions (non-streaming)', () => {
  it('returns a chat.completion whose usage matches the text', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [...messages] })
      .withResponse();
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o');
    expect(completion.service_tier).toBe('default');
    expect(completion.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(5);
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message).toMatchObject({ role: 'assistant', refusal: null, annotations: [] });
    expect(choice?.logprobs).toBeNull();
    const content = choice?.message.content ?? '';
    expect(content.length).toBeGreaterThan(20);

    const usage = completion.usage!;
    expect(usage.completion_tokens).toBe(encode(content).length);
    expect(usage.completion_tokens).toBe(30);
    // OpenAI's chat accounting: 3 per message + role + content, and 3 to prime the reply.
    const expectedPrompt = messages.reduce(
      (sum, m) => sum + 3 + encode(m.role).length + encode(m.content).length,
      3,
    );
    expect(usage.prompt_tokens).toBe(expectedPrompt);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 0, audio_tokens: 0 });
    expect(usage.completion_tokens_details).toEqual({
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    });
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic for the same conversation and varies with it', async () => {
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages: [...messages] });
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages: [...messages] });
    const other = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Something else entirely' }],
    });
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(other.choices[0]?.message.content).not.toBe(first.choices[0]?.message.content);
  });

  it('honours the reply_tokens directive', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Write a lot [[sim:reply_tokens=257]]' }],
    });
    expect(completion.usage?.completion_tokens).toBe(257);
    expect(encode(completion.choices[0]?.message.content ?? '').length).toBe(257);
  });

  it.each([
    ['max_tokens', { max_tokens: 7 }],
    ['max_completion_tokens', { max_completion_tokens: 7 }],
  ])('truncates at %s with finish_reason length', async (_name, limit) => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [...messages],
      ...limit,
    });
    const content = completion.choices[0]?.message.content ?? '';
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(encode(content).length).toBe(7);
    expect(completion.usage?.completion_tokens).toBe(7);
  });

  it('returns n distinct choices and bills all of them', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [...messages],
      n: 2,
    });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1]);
    const [first, second] = completion.choices.map((choice) => choice.message.content ?? '');
    expect(first).not.toBe(second);
    expect(completion.usage?.completion_tokens).toBe(
      encode(first ?? '').length + encode(second ?? '').length,
    );
  });

  it('cuts at a stop sequence without including it', async () => {
    const full = (await client.chat.completions.create({ model: 'gpt-4o', messages: [...messages] }))
      .choices[0]?.message.content;
    const stopWord = full?.split(' ')[3] ?? '';
    const stopped = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [...messages],
      stop: [stopWord],
    });
    const content = stopped.choices[0]?.message.content ?? '';
    expect(content).toBe(full?.slice(0, full.indexOf(stopWord)));
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(stopped.usage?.completion_tokens).toBe(encode(content).length);
  });

  it('answers json_schema requests with JSON matching the schema', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [...messages],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'river',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, length_km: { type: 'integer', minimum: 10 } },
            required: ['name', 'length_km'],
            additionalProperties: false,
          },
        },
      },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? '');
    expect(typeof parsed.name).toBe('string');
    expect(parsed.length_km).toBeGreaterThanOrEqual(10);
  });
});

describe('reasoning_effort', () => {
  it.each([
    ['low', 64],
    ['medium', 192],
    ['high', 512],
  ] as const)('adds hidden %s reasoning tokens to completion_tokens', async (effort, reasoning) => {
    const completion = await client.chat.completions.create({
      model: 'o4-mini',
      messages: [...messages],
      reasoning_effort: effort,
    });
    const usage = completion.usage!;
    const visible = encode(completion.choices[0]?.message.content ?? '').length;
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(reasoning);
    expect(usage.completion_tokens).toBe(visible + reasoning);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it('spends max_completion_tokens on reasoning first', async () => {
    const completion = await client.chat.completions.create({
      model: 'o4-mini',
      messages: [...messages],
      reasoning_effort: 'medium',
      max_completion_tokens: 200,
    });
    expect(completion.usage?.completion_tokens).toBe(200);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(192);
    expect(encode(completion.choices[0]?.message.content ?? '').length).toBe(8);
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('adds nothing for minimal effort', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-5',
      messages: [...messages],
      reasoning_effort: 'minimal',
    });
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
    expect(completion.usage?.completion_tokens).toBe(30);
  });
});

describe('GET /v1/models', () => {
  it('lists the default models', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toContain('gpt-4o');
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'system' });
    expect(typeof page.data[0]?.created).toBe('number');
  });

  it('lists configured models and retrieves one', async () => {
    const { sim: scoped, client: scopedClient } = await startSimWithClient({ models: ['alpha', 'beta'] });
    try {
      const page = await scopedClient.models.list();
      expect(page.data.map((model) => model.id)).toEqual(['alpha', 'beta']);
      expect((await scopedClient.models.retrieve('beta')).id).toBe('beta');
    } finally {
      await scoped.close();
    }
  });
});
