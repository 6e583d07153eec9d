import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

/** deepseek-v3.2 in the built-in catalog: USD per million tokens → micro-credits per token ×100. */
const deepseekPrice = { input: 28_000_000, cachedInput: 2_800_000, output: 42_000_000 };

function expectedCost(usage: OpenAI.CompletionUsage, price = deepseekPrice): number {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const total =
    BigInt(usage.prompt_tokens - cached) * BigInt(price.input) +
    BigInt(cached) * BigInt(price.cachedInput) +
    BigInt(usage.completion_tokens) * BigInt(price.output);
  return Number((total + 999_999n) / 1_000_000n);
}

describe('POST /v1/chat/completions through the gateway (openai SDK → gateway → simulator)', () => {
  let harness: Harness;
  let alice: TestUser;

  beforeAll(async () => {
    harness = await startHarness();
    alice = await harness.newUser(1000);
  });
  afterAll(() => harness.close());

  it('answers a plain request and charges exactly the reported usage', async () => {
    const before = await harness.balancedBalance(alice.user.id);
    const { data: completion, response } = await alice.client.chat.completions
      .create({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'Say hello to the gateway.' }] })
      .withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.role).toBe('assistant');
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = completion.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(response.headers.get('x-hypereal-provider')).toBe('deepseek');
    expect(response.headers.get('x-ratelimit-limit')).toBe('600');
    expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeLessThan(600);
    expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);

    const after = await harness.balancedBalance(alice.user.id);
    expect(before - after).toBe(expectedCost(usage));

    const forwarded = harness.sim.requests.at(-1)!;
    expect((forwarded.body as { model: string }).model).toBe('deepseek-chat');
    expect(forwarded.headers['authorization']).toBe('Bearer sim-test-key');

    const [log] = await listRequestLogs(harness.db, alice.user.id, 1);
    expect(log).toMatchObject({
      endpoint: '/v1/chat/completions',
      model: 'deepseek-v3.2',
      status: 200,
      provider: 'deepseek',
    });
    expect(Number(log!.cost_micro)).toBe(before - after);
    expect(log!.prompt_tokens).toBe(usage.prompt_tokens);
    expect(log!.completion_tokens).toBe(usage.completion_tokens);
  });

  it('forwards unknown fields untouched and serves the /api/v1 prefix', async () => {
    const client = new OpenAI({
      baseURL: harness.baseUrl.replace('/v1', '/api/v1'),
      apiKey: alice.key,
      maxRetries: 0,
    });
    await client.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      // @ts-expect-error a vendor field the SDK does not know
      vendor_extension: { nested: [1, 2, { deep: true }] },
    });
    const forwarded = harness.sim.requests.at(-1)!.body as Record<string, unknown>;
    expect(forwarded['vendor_extension']).toEqual({ nested: [1, 2, { deep: true }] });
    expect(forwarded['temperature']).toBe(0.3);
    expect(forwarded['messages']).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('streams incrementally; asks the upstream for usage but hides the usage chunk the client did not request', async () => {
    const before = await harness.balancedBalance(alice.user.id);
    const stream = await alice.client.chat.completions.create({
      model: 'deepseek-v3.2',
      stream: true,
      messages: [{ role: 'user', content: 'Stream please [[sim:reply_tokens=60]]' }],
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(20);

    const forwarded = harness.sim.requests.at(-1)!.body as { stream_options: { include_usage: boolean } };
    expect(forwarded.stream_options.include_usage).toBe(true);
    const after = await harness.balancedBalance(alice.user.id);
    const [log] = await listRequestLogs(harness.db, alice.user.id, 1);
    expect(log).toMatchObject({ stream: 1, status: 200, usage_source: 'upstream' });
    expect(log!.completion_tokens).toBe(60);
    expect(before - after).toBe(
      expectedCost({
        prompt_tokens: log!.prompt_tokens,
        completion_tokens: log!.completion_tokens,
        total_tokens: 0,
      }),
    );
  });

  it('passes the usage chunk through when the client asks for it, and bills from it', async () => {
    const before = await harness.balancedBalance(alice.user.id);
    const stream = await alice.client.chat.completions.create({
      model: 'deepseek-v3.2',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'usage please' }],
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toBeDefined();
    expect(before - (await harness.balancedBalance(alice.user.id))).toBe(expectedCost(usage!));
  });

  it("assembles tool calls with the SDK's stream helper and completes a tool round trip", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
            required: ['city', 'unit'],
          },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const runner = alice.client.chat.completions.stream({ model: 'deepseek-v3.2', messages, tools });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type).toBe('function');
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(Object.keys(JSON.parse(call.function.arguments))).toEqual(
      expect.arrayContaining(['city', 'unit']),
    );

    const answer = await alice.client.chat.completions.create({
      model: 'deepseek-v3.2',
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' },
      ],
    });
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(answer.choices[0]!.message.content).toMatch(/21/);
    await harness.balancedBalance(alice.user.id);
  });

  it('accepts every key form of the API contract', async () => {
    const url = `${harness.baseUrl}/chat/completions`;
    const body = JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'x' }] });
    const forms: Array<[string, Record<string, string>]> = [
      [url, { authorization: `Bearer ${alice.key}` }],
      [url, { 'x-api-key': alice.key }],
      [url, { 'x-goog-api-key': alice.key }],
      [`${url}?key=${alice.key}`, {}],
    ];
    for (const [target, headers] of forms) {
      const response = await fetch(target, { method: 'POST', headers, body });
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
    }
  });

  it('accepts a curl -d body sent as form-encoded', async () => {
    const response = await fetch(`${harness.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(200);
  });

  it('lists models in the OpenAI shape', async () => {
    const ids: string[] = [];
    for await (const model of alice.client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['deepseek-v3.2', 'gpt-5.5', 'gemini-3.5-fast']));
    expect((await alice.client.models.retrieve('gpt-5')).id).toBe('gpt-5');
  });
});
