import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { BadRequestError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';
import { runClaudeCode } from '../helpers/run-cli.ts';

interface GeminiBody {
  contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<Record<string, unknown>> }>;
  toolConfig?: unknown;
  generationConfig?: Record<string, unknown>;
}

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** Gemini models on the native Gemini API, called from every other client dialect. */
describe('a native Gemini upstream behind Chat Completions, Responses and Messages', () => {
  let harness: Harness;
  let user: TestUser;
  let client: OpenAI;

  beforeAll(async () => {
    harness = await startHarness();
    user = await harness.newUser(1000);
    client = user.client;
  });
  afterAll(() => harness.close());

  const lastUpstream = () => harness.sim.requests.at(-1)!;

  it('translates a chat request to generateContent and the answer back, billed from usageMetadata', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const completion = await client.chat.completions.create({
      model: 'gemini-3.5-fast',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello. [[sim:reply_tokens=30]]' },
      ],
      max_tokens: 500,
      temperature: 0.3,
      stop: ['END'],
      response_format: { type: 'json_object' },
    });
    const upstream = lastUpstream();
    expect(upstream.path).toBe('/v1beta/models/gemini-3.5-flash-preview:generateContent');
    const body = upstream.body as GeminiBody;
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Say hello. [[sim:reply_tokens=30]]' }] },
    ]);
    expect(body.generationConfig).toMatchObject({
      maxOutputTokens: 500,
      temperature: 0.3,
      stopSequences: ['END'],
      responseMimeType: 'application/json',
    });

    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0);
    const usage = completion.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({
      model: 'gemini-3.5-fast',
      provider: 'google',
      usage_source: 'upstream',
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
    });
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));
  });

  it('streams: text deltas, the finish chunk and the usage chunk the client asked for', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-2.5-flash-official',
      messages: [{ role: 'user', content: 'Tell me more. [[sim:reply_tokens=60]]' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(lastUpstream().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(lastUpstream().query).toBe('?alt=sse');
    expect(text.length).toBeGreaterThan(40);
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({
      status: 200,
      stream: 1,
      usage_source: 'upstream',
      completion_tokens: usage!.completion_tokens,
    });
    await harness.balancedBalance(user.user.id);
  });

  it('carries Gemini 3 thought signatures through chat tool calls, so the next turn is accepted', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await client.chat.completions.create({
      model: 'gemini-3.5-fast',
      messages,
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const body = lastUpstream().body as GeminiBody;
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parametersJsonSchema: weatherTool.function.parameters,
          },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    const assistant = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = assistant.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall & {
      extra_content?: { google?: { thought_signature?: string } };
    };
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    const signature = call.extra_content?.google?.thought_signature;
    expect(signature).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);

    const toolResult: ChatCompletionMessageParam = {
      role: 'tool',
      tool_call_id: call.id,
      content: '{"temperature":7}',
    };
    const second = await client.chat.completions.create({
      model: 'gemini-3.5-fast',
      messages: [...messages, assistant as ChatCompletionMessageParam, toolResult],
      tools: [weatherTool],
    });
    expect(second.choices[0]!.message.content).toContain('7');
    const replayed = (lastUpstream().body as GeminiBody).contents;
    expect(replayed.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(replayed[1]!.parts[0]).toMatchObject({
      functionCall: { name: 'get_weather' },
      thoughtSignature: signature,
    });
    expect(replayed[2]!.parts[0]).toEqual({
      functionResponse: { name: 'get_weather', response: { output: '{"temperature":7}' } },
    });

    // Without the signature Gemini 3 refuses the replay: the client sees that 400, nothing is charged.
    const before = await harness.balancedBalance(user.user.id);
    const { extra_content: _dropped, ...unsigned } = call;
    const refused = await client.chat.completions
      .create({
        model: 'gemini-3.5-fast',
        messages: [...messages, { role: 'assistant', content: null, tool_calls: [unsigned] }, toolResult],
        tools: [weatherTool],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).message).toMatch(/thought_signature/);
    expect(await harness.balancedBalance(user.user.id)).toBe(before);
  });

  it('refuses what Gemini cannot take with a 400 that names the field, before any upstream call', async () => {
    const requests = harness.sim.requests.length;
    const error = await client.chat.completions
      .create({
        model: 'gemini-3.5-fast',
        messages: [{ role: 'user', content: 'hi' }],
        logit_bias: { '50256': -100 },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/logit_bias/);
    const orphan = await client.chat.completions
      .create({
        model: 'gemini-3.5-fast',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', tool_call_id: 'call_unknown', content: 'x' },
        ],
      })
      .catch((caught: unknown) => caught);
    expect((orphan as BadRequestError).status).toBe(400);
    expect((orphan as BadRequestError).message).toMatch(/call_unknown/);
    expect(harness.sim.requests.length).toBe(requests);
  });

  it('serves Gemini models to the Responses API and to Anthropic clients, tool round trip included', async () => {
    const response = await client.responses.create({
      model: 'gemini-2.5-flash-official',
      input: 'Say something. [[sim:reply_tokens=20]]',
    });
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(lastUpstream().path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');

    const anthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const first = await anthropic.messages.create({
      model: 'gemini-3.5-fast',
      max_tokens: 1024,
      tools,
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use')!;
    const second = await anthropic.messages.create({
      model: 'gemini-3.5-fast',
      max_tokens: 1024,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '7 degrees' }] },
      ],
    });
    expect(second.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toContain('7');
    const replayed = (lastUpstream().body as GeminiBody).contents;
    expect(replayed[1]!.parts.find((part) => part['functionCall'])?.['thoughtSignature']).toBeTruthy();
    await harness.balancedBalance(user.user.id);
  });

  it('streams a Gemini answer to Responses and Anthropic clients as their own events', async () => {
    const events: string[] = [];
    let text = '';
    for await (const event of await client.responses.create({
      model: 'gemini-2.5-flash-official',
      input: 'Stream a story. [[sim:reply_tokens=40]]',
      stream: true,
    })) {
      events.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(events[0]).toBe('response.created');
    expect(events.at(-1)).toBe('response.completed');
    expect(text.length).toBeGreaterThan(20);
    expect(lastUpstream().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');

    const anthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const stream = anthropic.messages.stream({
      model: 'gemini-2.5-flash-official',
      max_tokens: 512,
      messages: [{ role: 'user', content: 'Stream a story. [[sim:reply_tokens=40]]' }],
    });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content[0]?.type === 'text' && message.content[0].text.length).toBeGreaterThan(20);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ endpoint: '/v1/messages', status: 200, stream: 1, usage_source: 'upstream' });
    await harness.balancedBalance(user.user.id);
  });

  it('Claude Code runs an agent turn with tools on a Gemini 3 model (signatures kept across turns)', async () => {
    const before = harness.sim.requests.length;
    const home = tempDir('claude-gemini-');
    const result = await runClaudeCode(
      harness.gateway.url,
      user.key,
      ['-p', 'What files are here? Then answer in one line.', '--model', 'gemini-3.5-fast'],
      home,
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(5);
    const calls = harness.sim.requests
      .slice(before)
      .filter((request) => request.path.startsWith('/v1beta/models/gemini-3.5-flash-preview:'));
    // A tool call, then the turn carrying its result back, which Gemini 3 accepts only signed.
    const replay = calls
      .map((request) => (request.body as GeminiBody).contents)
      .find((contents) => contents.some((content) => content.parts.some((part) => part['functionResponse'])));
    expect(replay, 'Claude Code sent a tool result back').toBeDefined();
    const call = replay!.flatMap((content) => content.parts).find((part) => part['functionCall']);
    expect(call?.['thoughtSignature']).toBeTruthy();
    const logs = await listRequestLogs(harness.db, user.user.id, 20);
    expect(
      logs
        .filter((log) => log.endpoint === '/v1/messages' && log.model === 'gemini-3.5-fast')
        .every((log) => log.status === 200),
    ).toBe(true);
    await harness.balancedBalance(user.user.id);
  }, 120_000);
});
