import { GoogleGenAI } from '@google/genai';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

/**
 * A chat model whose only upstream speaks Anthropic Messages (as DeepSeek, Kimi, GLM and
 * MiniMax also offer): every other client dialect reaches it through the canonical chat form
 * and the Anthropic upstream codec, by the same wire plan as Gemini upstreams.
 */
describe('an Anthropic-speaking upstream behind Chat Completions, Responses and Gemini clients', () => {
  let harness: Harness;
  let user: TestUser;
  let client: OpenAI;
  const model = 'chat-on-messages';

  beforeAll(async () => {
    harness = await startHarness({
      config: {
        models: {
          [model]: {
            route: 'anthropic/claude-sonnet-4-6',
            dialect: 'openai-chat',
            price: { input: 3, output: 15 },
          },
        },
      },
    });
    user = await harness.newUser(1000);
    client = user.client;
  });
  afterAll(() => harness.close());

  const lastUpstream = () => harness.sim.requests.at(-1)!;

  async function expectBilledFromLog(before: number): Promise<void> {
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ model, provider: 'anthropic', status: 200, usage_source: 'upstream' });
    expect(Number(log!.prompt_tokens)).toBeGreaterThan(0);
    expect(Number(log!.completion_tokens)).toBeGreaterThan(0);
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));
  }

  it('chat JSON: the call goes to /v1/messages as a Messages body, the answer comes back as chat.completion', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const completion = await client.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello. [[sim:reply_tokens=20]]' },
      ],
      stop: ['END'],
    });
    const upstream = lastUpstream();
    expect(upstream.path).toBe('/v1/messages');
    const body = upstream.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'claude-sonnet-4-6', stop_sequences: ['END'] });
    expect(body['system']).toEqual([{ type: 'text', text: 'Be brief.' }]);
    expect(typeof body['max_tokens']).toBe('number');
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage!.total_tokens).toBe(
      completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
    );
    await expectBilledFromLog(before);
  });

  it('chat stream: Messages events become chunks, with the usage chunk the client asked for', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Tell me more. [[sim:reply_tokens=40]]' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect((lastUpstream().body as Record<string, unknown>)['stream']).toBe(true);
    expect(text.length).toBeGreaterThan(20);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    await expectBilledFromLog(before);
  });

  it('a tool call round trip from a chat client', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Oslo? [[sim:tool_call=get_weather]]' },
    ];
    const first = await client.chat.completions.create({ model, messages, tools });
    const call = first.choices[0]!.message.tool_calls?.[0];
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '7 degrees' });
    const second = await client.chat.completions.create({ model, messages, tools });
    const sent = lastUpstream().body as { messages: Array<{ role: string; content: unknown }> };
    expect(JSON.stringify(sent.messages.at(-1))).toContain('tool_result');
    expect(second.choices[0]!.message.content!.length).toBeGreaterThan(0);
    await harness.balancedBalance(user.user.id);
  });

  it('Responses clients, JSON and streamed', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const response = await client.responses.create({ model, input: 'Hello there [[sim:reply_tokens=15]]' });
    expect(lastUpstream().path).toBe('/v1/messages');
    expect(response.output_text.length).toBeGreaterThan(0);
    await expectBilledFromLog(before);
    const stream = await client.responses.create({
      model,
      input: 'Again [[sim:reply_tokens=15]]',
      stream: true,
    });
    let completed = false;
    for await (const event of stream) if (event.type === 'response.completed') completed = true;
    expect(completed).toBe(true);
    await harness.balancedBalance(user.user.id);
  });

  it('Gemini clients (@google/genai)', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const genai = new GoogleGenAI({ apiKey: user.key, httpOptions: { baseUrl: harness.gateway.url } });
    const answer = await genai.models.generateContent({ model, contents: 'Hi [[sim:reply_tokens=12]]' });
    expect(lastUpstream().path).toBe('/v1/messages');
    expect(answer.text!.length).toBeGreaterThan(0);
    expect(answer.usageMetadata!.candidatesTokenCount).toBeGreaterThan(0);
    await expectBilledFromLog(before);
  });
});
