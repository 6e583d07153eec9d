import { encode } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { postJson, startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient({ models: ['gpt-5', 'gpt-4.1'] }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
  strict: true,
};

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (caught: unknown) => {
      if (!(caught instanceof OpenAI.APIError)) throw caught;
      return caught;
    },
  );
}

/** 3 per message + role + content, and 3 to prime the reply (the Chat format's accounting). */
function messageTokens(role: string, text: string): number {
  return 3 + encode(role).length + encode(text).length;
}

describe('POST /v1/responses', () => {
  it('answers a string input with a message and exact usage', async () => {
    const { data: response, response: http } = await client.responses
      .create({ model: 'gpt-4.1', instructions: 'You are terse.', input: 'Tell me about rivers.' })
      .withResponse();
    expect(response.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: 'You are terse.',
      model: 'gpt-4.1',
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: true,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_p: 1,
      truncation: 'disabled',
      metadata: {},
    });
    expect(Math.abs(response.created_at - Date.now() / 1000)).toBeLessThan(5);
    expect(response.completed_at).toBeGreaterThanOrEqual(response.created_at);
    expect(response.output).toHaveLength(1);
    const [message] = response.output;
    if (message?.type !== 'message') throw new Error('expected a message');
    expect(message.id).toMatch(/^msg_[0-9a-f]{48}$/);
    expect(message).toMatchObject({ status: 'completed', role: 'assistant' });
    const [part] = message.content;
    expect(part).toMatchObject({ type: 'output_text', annotations: [], logprobs: [] });
    // The SDK's convenience field, assembled from the output_text parts.
    expect(response.output_text).toBe(part?.type === 'output_text' ? part.text : '');
    expect(encode(response.output_text).length).toBe(30);

    const expectedInput =
      messageTokens('developer', 'You are terse.') + messageTokens('user', 'Tell me about rivers.') + 3;
    expect(response.usage).toEqual({
      input_tokens: expectedInput,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: expectedInput + 30,
    });
    expect(http.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(http.headers.get('content-type')).toBe('application/json');
    expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/responses', completed: true });
  });

  it('is deterministic, honours the reply_tokens directive and accepts array input', async () => {
    const input = [
      { role: 'developer' as const, content: 'Answer in prose.' },
      {
        role: 'user' as const,
        content: [{ type: 'input_text' as const, text: 'Write [[sim:reply_tokens=77]]' }],
      },
    ];
    const first = await client.responses.create({ model: 'gpt-4.1', input });
    const second = await client.responses.create({ model: 'gpt-4.1', input });
    expect(second.output_text).toBe(first.output_text);
    expect(first.usage?.output_tokens).toBe(77);
    expect(encode(first.output_text).length).toBe(77);
    sim.addFault({ replyTokens: 5 });
    expect((await client.responses.create({ model: 'gpt-4.1', input })).usage?.output_tokens).toBe(5);
  });

  it('reports cached input tokens for a repeated long prefix', async () => {
    const instructions = 'Follow the house style guide carefully. '.repeat(150);
    const first = await client.responses.create({ model: 'gpt-4.1', instructions, input: 'One' });
    const second = await client.responses.create({ model: 'gpt-4.1', instructions, input: 'Two' });
    expect(first.usage?.input_tokens).toBeGreaterThan(1024);
    expect(first.usage?.input_tokens_details.cached_tokens).toBe(0);
    const cached = second.usage?.input_tokens_details.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect((cached - 1024) % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(second.usage?.input_tokens ?? 0);
  });

  it('truncates at max_output_tokens with status incomplete', async () => {
    const response = await client.responses.create({
      model: 'gpt-4.1',
      input: 'Write a long essay [[sim:reply_tokens=200]]',
      max_output_tokens: 16,
    });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.max_output_tokens).toBe(16);
    expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    expect(encode(response.output_text).length).toBe(16);
    expect(response.usage?.output_tokens).toBe(16);
  });

  it('produces JSON matching a text.format json_schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        population: { type: 'integer', minimum: 1000 },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['city', 'population', 'tags'],
      additionalProperties: false,
    };
    const response = await client.responses.create({
      model: 'gpt-4.1',
      input: 'Describe a city.',
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toEqual({
      city: 'San Francisco, CA',
      population: 1000,
      tags: ['example'],
    });
    expect(response.text?.format).toEqual({
      type: 'json_schema',
      description: null,
      name: 'city',
      schema,
      strict: true,
    });
    const json = await client.responses.create({
      model: 'gpt-4.1',
      input: 'Reply in JSON.',
      text: { format: { type: 'json_object' } },
    });
    expect(Object.keys(JSON.parse(json.output_text))).toEqual(['answer']);
  });
});

describe('function tools', () => {
  it('calls a tool on a fresh user turn, then answers its output in text', async () => {
    const first = await client.responses.create({
      model: 'gpt-4.1',
      input: 'What is the weather in Paris?',
      tools: [weatherTool],
    });
    expect(first.status).toBe('completed');
    expect(first.output).toHaveLength(1);
    const [call] = first.output;
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(call.id).toMatch(/^fc_[0-9a-f]{48}$/);
    expect(call.call_id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'San Francisco, CA', unit: 'celsius' });
    expect(first.usage?.output_tokens).toBe(encode(call.arguments).length);

    const second = await client.responses.create({
      model: 'gpt-4.1',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'What is the weather in Paris?' },
        call,
        {
          type: 'function_call_output',
          call_id: call.call_id,
          output: '{"temperature":"18C","sky":"clear"}',
        },
      ],
    });
    expect(second.output.map((item) => item.type)).toEqual(['message']);
    expect(second.output_text).toContain('The tool returned: {"temperature":"18C","sky":"clear"}.');
  });

  it('honours tool_choice none/required/named and the no_tool directive', async () => {
    const base = { model: 'gpt-4.1', tools: [weatherTool] };
    const none = await client.responses.create({ ...base, input: 'Weather?', tool_choice: 'none' });
    expect(none.output[0]?.type).toBe('message');
    const noTool = await client.responses.create({ ...base, input: 'Just chat [[sim:no_tool]]' });
    expect(noTool.output[0]?.type).toBe('message');
    const named = await client.responses.create({
      ...base,
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
    });
    expect(named.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather' });
  });

  it('calls a custom tool with free-form input', async () => {
    const response = await client.responses.create({
      model: 'gpt-5',
      input: 'Patch the file.',
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Apply a patch' }, { type: 'web_search' }],
    });
    const [call] = response.output;
    if (call?.type !== 'custom_tool_call') throw new Error('expected a custom tool call');
    expect(call.name).toBe('apply_patch');
    expect(call.id).toMatch(/^ctc_/);
    expect(encode(call.input).length).toBe(8);
    const next = await client.responses.create({
      model: 'gpt-5',
      tools: [{ type: 'custom', name: 'apply_patch' }],
      input: [
        { role: 'user', content: 'Patch the file.' },
        { type: 'custom_tool_call', call_id: call.call_id, name: call.name, input: call.input },
        { type: 'custom_tool_call_output', call_id: call.call_id, output: 'Done!' },
      ],
    });
    expect(next.output_text).toContain('The tool returned: Done!.');
  });
});

describe('reasoning', () => {
  it('emits a reasoning item with a summary and encrypted content that replays', async () => {
    const request = {
      model: 'gpt-5',
      reasoning: { effort: 'low' as const, summary: 'auto' as const },
      include: ['reasoning.encrypted_content' as const],
      store: false,
      tools: [weatherTool],
    };
    const first = await client.responses.create({ ...request, input: 'Weather in Oslo?' });
    expect(first.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    const [reasoning, call] = first.output;
    if (reasoning?.type !== 'reasoning' || call?.type !== 'function_call')
      throw new Error('unexpected output');
    expect(reasoning.id).toMatch(/^rs_[0-9a-f]{48}$/);
    expect(reasoning.summary).toHaveLength(1);
    expect(reasoning.summary[0]?.text).toMatch(/^\*\*[A-Z][^*]+\*\*\n\n[A-Z]/);
    expect(reasoning.encrypted_content).toMatch(/^gAAAAA/);
    expect(first.reasoning).toEqual({ effort: 'low', summary: 'auto' });
    // Reasoning tokens count as output, and the visible part is the call's arguments.
    expect(first.usage?.output_tokens_details.reasoning_tokens).toBe(64);
    expect(first.usage?.output_tokens).toBe(64 + encode(call.arguments).length);

    const history = [
      { role: 'user' as const, content: 'Weather in Oslo?' },
      reasoning,
      call,
      { type: 'function_call_output' as const, call_id: call.call_id, output: 'snow' },
    ];
    const second = await client.responses.create({ ...request, input: history });
    expect(second.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(second.output_text).toContain('The tool returned: snow.');
    // The replayed reasoning of the current tool loop is input again.
    const withoutReasoning = await client.responses.create({
      ...request,
      input: history.filter((item) => item !== reasoning),
    });
    expect((second.usage?.input_tokens ?? 0) - (withoutReasoning.usage?.input_tokens ?? 0)).toBe(64);

    const edited = `${reasoning.encrypted_content?.slice(0, -3)}AAA`;
    const error = await failure(
      client.responses.create({
        ...request,
        input: [{ ...reasoning, encrypted_content: edited }, ...history.slice(2)],
      }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_encrypted_content');
    expect(error.message).toMatch(/^400 The encrypted content gAAA\.\.\..{4} could not be verified\.$/);
  });

  it('rejects an unstored reasoning item replayed without encrypted content', async () => {
    const error = await failure(
      client.responses.create({
        model: 'gpt-5',
        store: false,
        input: [
          { role: 'user', content: 'Hi' },
          { type: 'reasoning', id: 'rs_unknown', summary: [] },
          { role: 'user', content: 'Again' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.message).toContain(
      "Item with id 'rs_unknown' not found. Items are not persisted when `store`",
    );
  });

  it('spends max_output_tokens on reasoning first', async () => {
    const response = await client.responses.create({
      model: 'gpt-5',
      input: 'Think hard.',
      reasoning: { effort: 'medium' },
      max_output_tokens: 100,
    });
    expect(response.status).toBe('incomplete');
    expect(response.output.map((item) => item.type)).toEqual(['reasoning']);
    expect(response.output[0]).toEqual({ id: expect.any(String), type: 'reasoning', summary: [] });
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(100);
    expect(response.usage?.output_tokens).toBe(100);
  });
});

describe('errors', () => {
  it.each([
    [{ input: 'hi' }, "Missing required parameter: 'model'.", 'model'],
    [{ model: 'gpt-4.1' }, "Missing required parameter: 'input'.", 'input'],
    [
      { model: 'gpt-4.1', input: [{ type: 'function_call', name: 'x' }] },
      "Missing required parameter: 'input[0].call_id'.",
      'input[0].call_id',
    ],
    [
      { model: 'gpt-4.1', input: 'hi', max_output_tokens: 8 },
      "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 8 instead.",
      'max_output_tokens',
    ],
  ])('400 for %j', async (body, message, param) => {
    const response = await postJson(sim, '/v1/responses', body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ message, type: 'invalid_request_error', param });
  });

  it('400 for a function_call_output that answers no call', async () => {
    const error = await failure(
      client.responses.create({
        model: 'gpt-4.1',
        input: [
          { role: 'user', content: 'hi' },
          { type: 'function_call_output', call_id: 'call_missing', output: 'x' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toEqual({
      message: 'No tool call found for function call output with call_id call_missing.',
      type: 'invalid_request_error',
      param: 'input',
      code: null,
    });
  });

  it('400 for a function_call left without its output', async () => {
    const response = await postJson(sim, '/responses', {
      model: 'gpt-4.1',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'function_call', call_id: 'call_open', name: 'x', arguments: '{}' },
      ],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: 'No tool output found for function call call_open.' },
    });
  });

  it('maps auth, unknown models and status faults to the SDK error classes', async () => {
    const keyed = await startSimWithClient({ apiKeys: ['sk-good'] }, 'sk-wrong-key');
    try {
      const unauthorized = await failure(keyed.client.responses.create({ model: 'gpt-4.1', input: 'hi' }));
      expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(unauthorized.code).toBe('invalid_api_key');
    } finally {
      await keyed.sim.close();
    }

    const missing = await failure(client.responses.create({ model: 'gpt-9', input: 'hi' }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('model_not_found');

    sim.addFault({ match: { path: '/v1/responses' }, status: 429, headers: { 'retry-after': '2' } });
    const limited = await failure(client.responses.create({ model: 'gpt-4.1', input: 'hi' }));
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('2');

    sim.addFault({ streamError: { type: 'server_error', message: 'The model had an error.' } });
    const failed = await failure(client.responses.create({ model: 'gpt-4.1', input: 'hi' }));
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed.code).toBe('server_error');
  });
});
