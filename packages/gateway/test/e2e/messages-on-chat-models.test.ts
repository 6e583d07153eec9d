import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';
import { runClaudeCode } from '../helpers/run-cli.ts';

const readFile: Anthropic.Tool = {
  name: 'read_file',
  description: 'Read a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

describe('a chat-only model on /v1/messages (Anthropic clients → translated → chat upstream)', () => {
  let harness: Harness;
  let user: TestUser;
  let claude: Anthropic;

  beforeAll(async () => {
    harness = await startHarness();
    user = await harness.newUser(1000);
    claude = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
  });
  afterAll(() => harness.close());

  it('answers in Anthropic’s shape, billed at the chat model’s price', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const message = await claude.messages.create({
      model: 'deepseek-v3.2',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello there. [[sim:reply_tokens=30]]' }],
    });
    expect(message.type).toBe('message');
    expect(message.content[0]?.type).toBe('text');
    expect(message.stop_reason).toBe('end_turn');
    const upstream = harness.sim.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/chat/completions');
    expect((upstream.body as { messages: unknown[] }).messages[0]).toEqual({
      role: 'system',
      content: 'Be brief.',
    });
    const usage = message.usage;
    const prompt = usage.input_tokens + (usage.cache_read_input_tokens ?? 0);
    // deepseek-v3.2: 28 micro-credits per input token, 2.8 cached, 42 output
    const expected = Math.ceil(
      usage.input_tokens * 28 + (usage.cache_read_input_tokens ?? 0) * 2.8 + usage.output_tokens * 42,
    );
    expect(prompt).toBeGreaterThan(0);
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(expected);
  });

  it('streams Anthropic events that messages.stream() assembles, and completes a tool round trip', async () => {
    const events: string[] = [];
    const stream = claude.messages.stream({
      model: 'deepseek-v3.2',
      max_tokens: 512,
      tools: [readFile],
      messages: [{ role: 'user', content: 'Open README.md' }],
    });
    stream.on('streamEvent', (event) => events.push(event.type));
    const first = await stream.finalMessage();
    expect(events[0]).toBe('message_start');
    expect(events).toContain('content_block_delta');
    expect(events.at(-1)).toBe('message_stop');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    if (toolUse?.type !== 'tool_use') throw new Error('expected tool_use');
    expect(toolUse.name).toBe('read_file');
    expect(toolUse.input).toHaveProperty('path');
    expect(first.stop_reason).toBe('tool_use');

    const second = await claude.messages.create({
      model: 'deepseek-v3.2',
      max_tokens: 512,
      tools: [readFile],
      messages: [
        { role: 'user', content: 'Open README.md' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '# Hypereal 42' }],
        },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(JSON.stringify(second.content)).toContain('42');
    const replayed = harness.sim.requests.at(-1)!.body as {
      messages: Array<{ role: string; tool_call_id?: string }>;
    };
    expect(replayed.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(replayed.messages[2]!.tool_call_id).toBe(toolUse.id);
    await harness.balancedBalance(user.user.id);
  });

  it('counts tokens for a chat model locally', async () => {
    const count = await claude.messages.countTokens({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'count me' }],
    });
    expect(count.input_tokens).toBeGreaterThan(1);
  });

  it('Claude Code works end to end on a chat-only model', async () => {
    const home = tempDir('claude-chat-');
    const result = await runClaudeCode(
      harness.gateway.url,
      user.key,
      ['-p', 'Say hello. [[sim:no_tool]]', '--model', 'deepseek-v3.2'],
      home,
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(10);
    const logs = await listRequestLogs(harness.db, user.user.id, 5);
    expect(
      logs.some(
        (log) => log.endpoint === '/v1/messages' && log.model === 'deepseek-v3.2' && log.status === 200,
      ),
    ).toBe(true);
    await harness.balancedBalance(user.user.id);
  }, 120_000);
});
