import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

/** claude-sonnet-4-6 in the catalog, micro-credits per token: input 300, cache write 375, cache read 30, output 1500. */
function sonnetCost(usage: Anthropic.Usage): number {
  const micro =
    usage.input_tokens * 300 +
    (usage.cache_creation_input_tokens ?? 0) * 375 +
    (usage.cache_read_input_tokens ?? 0) * 30 +
    usage.output_tokens * 1500;
  return micro;
}

interface ForwardedBody {
  model: string;
  hypereal?: unknown;
  system?: Array<{ cache_control?: unknown }>;
  tools?: Array<{ cache_control?: unknown }>;
  messages: Array<{ role: string; content: Array<{ type: string; cache_control?: unknown }> }>;
}

describe('POST /v1/messages through the gateway (@anthropic-ai/sdk → gateway → simulator)', () => {
  let harness: Harness;
  let user: TestUser;
  let claude: Anthropic;

  beforeAll(async () => {
    harness = await startHarness({ config: { server: { keepaliveMs: 150 } } });
    user = await harness.newUser(1000);
    claude = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.sim.clearFaults());

  it('answers a plain request, forwards version and beta headers, and bills the reported usage', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const message = await claude.messages.create(
      {
        model: 'claude-sonnet-4-6',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Hello, Claude.' }],
      },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14,context-management-2025-06-27' } },
    );
    expect(message.type).toBe('message');
    expect(message.content[0]?.type).toBe('text');
    expect(message.stop_reason).toBe('end_turn');
    const forwarded = harness.sim.requests.at(-1)!;
    expect(forwarded.path).toBe('/v1/messages');
    expect(forwarded.headers['anthropic-version']).toBe('2023-06-01');
    expect(forwarded.headers['anthropic-beta']).toBe(
      'interleaved-thinking-2025-05-14,context-management-2025-06-27',
    );
    expect(forwarded.headers['x-api-key']).toBe('sim-test-key');
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(sonnetCost(message.usage));
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({
      endpoint: '/v1/messages',
      model: 'claude-sonnet-4-6',
      status: 200,
      provider: 'anthropic',
    });
  });

  it('accepts x-api-key as Claude Code sends it, keeps ?beta=true, and never forwards the hypereal field', async () => {
    const response = await fetch(`${harness.gateway.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': user.key,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        hypereal: { cache: false },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(200);
    const forwarded = harness.sim.requests.at(-1)!;
    expect(forwarded.path + forwarded.query).toBe('/v1/messages?beta=true');
    expect((forwarded.body as ForwardedBody).hypereal).toBeUndefined();
  });

  it('streams events in order for messages.stream().finalMessage(), thinking and tool use included', async () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'read_file',
        description: 'Read a file',
        input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    ];
    const events: string[] = [];
    const stream = claude.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [{ role: 'user', content: 'Open README.md' }],
    });
    stream.on('streamEvent', (event) => events.push(event.type));
    const first = await stream.finalMessage();
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    const thinking = first.content.find((block) => block.type === 'thinking');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(thinking?.type === 'thinking' && thinking.signature.length).toBeGreaterThan(0);
    expect(toolUse?.type === 'tool_use' && toolUse.name).toBe('read_file');
    expect(first.stop_reason).toBe('tool_use');

    if (toolUse?.type !== 'tool_use') throw new Error('expected tool_use');
    const second = await claude.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [
        { role: 'user', content: 'Open README.md' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '# Hypereal gateway' }],
        },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(JSON.stringify(second.content)).toContain('Hypereal');
    await harness.balancedBalance(user.user.id);
  });

  it('sends ping keepalives while the upstream is slow to answer, and the SDK still gets the message', async () => {
    harness.sim.addFault({ latencyMs: 800 });
    const response = await fetch(`${harness.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}`, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 64,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const text = await response.text();
    const names = [...text.matchAll(/^event: (\w+)/gm)].map((match) => match[1]);
    const firstStart = names.indexOf('message_start');
    expect(names.slice(0, firstStart).filter((name) => name === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(names.at(-1)).toBe('message_stop');

    harness.sim.addFault({ latencyMs: 500 });
    const message = await claude.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(message.content.length).toBeGreaterThan(0);
  });

  it('maps every error to Anthropic’s envelope so the SDK raises its typed errors', async () => {
    const unknown = await claude.messages
      .create({ model: 'mystery-9-ultra', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (unknown as InstanceType<typeof Anthropic.BadRequestError>).error as {
      type: string;
      error: { type: string; available_models: string[] };
    };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.available_models).toEqual(
      expect.arrayContaining(['claude-haiku-4-5', 'claude-sonnet-4-6', 'deepseek-v3.2']),
    );
    expect(body.error.available_models).not.toContain('gpt-5.3-codex');

    const wrong = await claude.messages
      .create({ model: 'gpt-5.3-codex', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect((wrong as Error).message).toContain('/v1/responses');

    const noMax = await fetch(`${harness.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': user.key },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noMax.status).toBe(400);
    expect(((await noMax.json()) as { error: { message: string } }).error.message).toContain('max_tokens');

    const anonymous = new Anthropic({
      baseURL: harness.gateway.url,
      apiKey: 'ck_not_a_real_key_at_all_0000000',
      maxRetries: 0,
    });
    await expect(
      anonymous.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);

    harness.sim.addFault({ status: 529, times: 2 }); // the first try and its one retry
    const overloaded = await claude.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(
      ((overloaded as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } }).error
        .type,
    ).toBe('overloaded_error');

    const poor = await harness.newUser(10);
    const broke = await new Anthropic({
      baseURL: harness.gateway.url,
      apiKey: poor.key,
      maxRetries: 0,
    }).messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect((broke as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
    expect(
      ((broke as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } }).error.type,
    ).toBe('billing_error');
    await harness.balancedBalance(user.user.id);
  });

  it('resolves old model ids to their newest equivalent and counts tokens', async () => {
    await claude.messages.create({
      model: 'claude-3-5-sonnet-20241022',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect((harness.sim.requests.at(-1)!.body as ForwardedBody).model).toBe('claude-sonnet-4-6');
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log!.model).toBe('claude-sonnet-4-6');

    const count = await claude.messages.countTokens({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    expect(count.input_tokens).toBeGreaterThan(3);
  });

  it('Hypereal Cache: adds breakpoints only when the client has none, within the limit of 4', async () => {
    const system = 'You are a careful coding agent. '.repeat(50);
    const tools: Anthropic.Tool[] = [
      { name: 'bash', description: 'run', input_schema: { type: 'object', properties: {} } },
    ];
    await claude.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 32,
      system,
      tools,
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'second' },
      ],
    });
    const auto = harness.sim.requests.at(-1)!.body as ForwardedBody;
    const marks = [
      ...(auto.tools ?? []),
      ...(auto.system ?? []),
      ...auto.messages.flatMap((message) => message.content),
    ].filter((block) => block.cache_control !== undefined);
    expect(marks).toHaveLength(4);
    expect(auto.tools?.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    expect(auto.messages.at(-1)?.content.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });

    await claude.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 32,
      system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'mine' }],
    });
    const own = harness.sim.requests.at(-1)!.body as ForwardedBody;
    expect(own.system?.[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(JSON.stringify(own.messages)).not.toContain('cache_control');
  });
});
