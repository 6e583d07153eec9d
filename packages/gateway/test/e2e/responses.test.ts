import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

type Responses = OpenAI.Responses.Response;

/** Micro-credits per token from the catalog: gpt-5.3-codex and deepseek-v3.2. */
const codexPrice = { input: 175, cached: 17.5, output: 1400 };
const deepseekPrice = { input: 28, cached: 2.8, output: 42 };

function cost(usage: OpenAI.Responses.ResponseUsage, price: typeof codexPrice): number {
  const cached = usage.input_tokens_details.cached_tokens;
  return Math.ceil(
    (usage.input_tokens - cached) * price.input + cached * price.cached + usage.output_tokens * price.output,
  );
}

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('POST /v1/responses (openai SDK → gateway → simulator)', () => {
  let harness: Harness;
  let user: TestUser;

  beforeAll(async () => {
    harness = await startHarness();
    user = await harness.newUser(1000);
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.sim.clearFaults());

  describe.each([
    ['a Responses upstream (pass-through)', 'gpt-5.3-codex', codexPrice, '/v1/responses'],
    ['a chat-only upstream (translated)', 'deepseek-v3.2', deepseekPrice, '/v1/chat/completions'],
  ] as const)('on %s', (_label, model, price, upstreamPath) => {
    it('answers, reports usage and bills it exactly', async () => {
      const before = await harness.balancedBalance(user.user.id);
      const response = await user.client.responses.create({
        model,
        instructions: 'Be brief.',
        input: 'Say hello. [[sim:reply_tokens=40]]',
      });
      expect(response.object).toBe('response');
      expect(response.status).toBe('completed');
      expect(response.output_text.length).toBeGreaterThan(10);
      expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + response.usage!.output_tokens);
      expect(harness.sim.requests.at(-1)!.path).toBe(upstreamPath);
      expect(before - (await harness.balancedBalance(user.user.id))).toBe(cost(response.usage!, price));
    });

    it('streams a well-formed event sequence that responses.stream().finalResponse() accepts', async () => {
      const before = await harness.balancedBalance(user.user.id);
      const types: string[] = [];
      const sequence: number[] = [];
      const stream = user.client.responses.stream({
        model,
        input: 'Stream a reply. [[sim:reply_tokens=50]]',
      });
      stream.on('event', (event) => {
        types.push(event.type);
        sequence.push(event.sequence_number);
      });
      const final = await stream.finalResponse();
      expect(types[0]).toBe('response.created');
      expect(types).toContain('response.output_text.delta');
      expect(types.at(-1)).toBe('response.completed');
      expect(sequence).toEqual(sequence.map((_, index) => sequence[0]! + index));
      expect(final.output_text.length).toBeGreaterThan(10);
      expect(final.usage!.output_tokens).toBeGreaterThanOrEqual(50);
      expect(before - (await harness.balancedBalance(user.user.id))).toBe(cost(final.usage!, price));
    });

    it('completes a function-call round trip', async () => {
      const first = await user.client.responses.create({
        model,
        input: 'Weather in Paris?',
        tools: [weatherTool],
      });
      const call = first.output.find((item) => item.type === 'function_call');
      expect(call?.type).toBe('function_call');
      if (call?.type !== 'function_call') throw new Error('expected a function call');
      expect(call.name).toBe('get_weather');
      expect(JSON.parse(call.arguments)).toHaveProperty('city');

      const second = await user.client.responses.create({
        model,
        tools: [weatherTool],
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          call,
          { type: 'function_call_output', call_id: call.call_id, output: '{"temperature": 21}' },
        ],
      });
      expect(second.status).toBe('completed');
      expect(second.output_text).toContain('21');
      await harness.balancedBalance(user.user.id);
    });

    it('streams function calls as output items with argument deltas', async () => {
      const types: string[] = [];
      const stream = user.client.responses.stream({ model, input: 'Weather in Rome?', tools: [weatherTool] });
      stream.on('event', (event) => types.push(event.type));
      const final = await stream.finalResponse();
      expect(types).toContain('response.function_call_arguments.delta');
      expect(types).toContain('response.output_item.done');
      const call = final.output.find((item) => item.type === 'function_call');
      expect(call?.type === 'function_call' && JSON.parse(call.arguments)).toHaveProperty('city');
    });
  });

  it('translates text.format json_schema and drops reasoning items for a chat-only upstream', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' } },
      required: ['answer'],
      additionalProperties: false,
    };
    const response = await user.client.responses.create({
      model: 'deepseek-v3.2',
      input: [
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { role: 'developer', content: 'Answer in JSON.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Give me an answer.' }] },
      ] as OpenAI.Responses.ResponseInput,
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toHaveProperty('answer');
    const forwarded = harness.sim.requests.at(-1)!.body as Record<string, unknown>;
    expect(forwarded['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true },
    });
    expect(forwarded['messages']).toEqual([
      { role: 'system', content: 'Answer in JSON.' },
      { role: 'user', content: [{ type: 'text', text: 'Give me an answer.' }] },
    ]);
  });

  it('refuses what a chat-only upstream cannot keep, and Anthropic models, with clear 400s', async () => {
    const owned = await user.client.responses.create({ model: 'gpt-5.3-codex', input: 'hi', store: true });
    const before = await harness.balancedBalance(user.user.id);
    const previous = await user.client.responses
      .create({ model: 'deepseek-v3.2', input: 'hi', previous_response_id: owned.id })
      .catch((error: unknown) => error);
    expect(previous).toBeInstanceOf(OpenAI.BadRequestError);
    expect((previous as Error).message).toContain('previous_response_id');

    const hosted = await user.client.responses
      .create({
        model: 'deepseek-v3.2',
        input: [
          {
            type: 'web_search_call',
            id: 'ws_1',
            status: 'completed',
            action: { type: 'search', query: 'x' },
          },
        ] as OpenAI.Responses.ResponseInput,
      })
      .catch((error: unknown) => error);
    expect(hosted).toBeInstanceOf(OpenAI.BadRequestError);
    expect((hosted as Error).message).toContain('web_search_call');

    const claude = await user.client.responses
      .create({ model: 'claude-sonnet-4-6', input: 'hi' })
      .catch((error: unknown) => error);
    expect(claude).toBeInstanceOf(OpenAI.BadRequestError);
    expect((claude as Error).message).toContain('/v1/messages');

    const codexOnChat = await user.client.chat.completions
      .create({ model: 'gpt-5.3-codex', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect((codexOnChat as Error).message).toContain('/v1/responses');
    expect(await harness.balancedBalance(user.user.id)).toBe(before);
  });

  it('assembles the response object when an upstream always answers with SSE', async () => {
    harness.sim.addFault({ alwaysSse: true });
    const response: Responses = await user.client.responses.create({
      model: 'gpt-5.3-codex',
      input: 'hi [[sim:reply_tokens=20]]',
    });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text.length).toBeGreaterThan(5);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ status: 200, usage_source: 'upstream', stream: 0 });
    await harness.balancedBalance(user.user.id);
  });

  it('reaches stored responses only for the user who created them', async () => {
    const created = await user.client.responses.create({
      model: 'gpt-5.3-codex',
      input: 'remember me',
      store: true,
    });
    const fetched = await user.client.responses.retrieve(created.id);
    expect(fetched.id).toBe(created.id);
    const items = await user.client.responses.inputItems.list(created.id);
    expect(items.data.length).toBeGreaterThan(0);

    const stranger = await harness.newUser(300);
    const hidden = await stranger.client.responses.retrieve(created.id).catch((error: unknown) => error);
    expect(hidden).toBeInstanceOf(OpenAI.NotFoundError);
    const hiddenDelete = await stranger.client.responses.delete(created.id).catch((error: unknown) => error);
    expect(hiddenDelete).toBeInstanceOf(OpenAI.NotFoundError);
    await user.client.responses.delete(created.id);
    await expect(user.client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("item 7: another user's previous_response_id, a conversation or an item reference is a 404, uncharged", async () => {
    const created = await user.client.responses.create({
      model: 'gpt-5.3-codex',
      input: 'The secret word is "pelican". [[sim:reply_tokens=5]]',
      store: true,
    });
    // The owner may continue it.
    const continued = await user.client.responses.create({
      model: 'gpt-5.3-codex',
      previous_response_id: created.id,
      input: 'What was the secret word?',
    });
    expect(continued.status).toBe('completed');

    const stranger = await harness.newUser(300);
    const before = await harness.balancedBalance(stranger.user.id);
    const upstreamCalls = harness.sim.requests.length;
    const attempts: Array<Record<string, unknown>> = [
      { previous_response_id: created.id, input: 'What was the secret word?' },
      { previous_response_id: created.id, input: 'What was the secret word?', stream: true },
      { conversation: 'conv_123', input: 'hi' },
      { conversation: { id: 'conv_123' }, input: 'hi' },
      { input: [{ type: 'item_reference', id: created.output[0]!.id }] },
    ];
    for (const fields of attempts) {
      const refused = await stranger.client.responses
        .create({ model: 'gpt-5.3-codex', ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        .catch((error: unknown) => error);
      expect(refused, JSON.stringify(fields)).toBeInstanceOf(OpenAI.NotFoundError);
    }
    expect(harness.sim.requests.length).toBe(upstreamCalls);
    expect(await harness.balancedBalance(stranger.user.id)).toBe(before);
  });
});
