import Anthropic from '@anthropic-ai/sdk';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, simulatorKey, startHarness } from '../helpers/harness.ts';

type Turn = Anthropic.MessageParam;

/** A coding-agent conversation: a long system prompt and tool list, then 10 turns that each add to the history. */
async function agentConversation(client: Anthropic, cache: 'auto' | false, seed: string): Promise<void> {
  const system = `${seed} You are a coding agent working in a large TypeScript monorepo. `.repeat(120);
  const tools: Anthropic.Tool[] = ['bash', 'read', 'edit', 'grep'].map((name) => ({
    name,
    description: `The ${name} tool. `.repeat(20),
    input_schema: { type: 'object', properties: { arg: { type: 'string' } } },
  }));
  const history: Turn[] = [];
  for (let turn = 1; turn <= 10; turn++) {
    history.push({
      role: 'user',
      content: `Step ${turn}: continue the refactor of module ${turn}. [[sim:reply_tokens=80]]`,
    });
    const body = {
      model: 'claude-sonnet-4-6',
      max_tokens: 512,
      system,
      tools,
      tool_choice: { type: 'none' },
      messages: history,
      hypereal: { cache },
    };
    const reply = await client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming);
    history.push({ role: 'assistant', content: reply.content.filter((block) => block.type === 'text') });
  }
}

describe('Hypereal Cache on a 10-turn coding-agent conversation', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('costs measurably less with the cache on than off, billed at the cache rates', async () => {
    const off = await harness.newUser(1000);
    const on = await harness.newUser(1000);
    const client = (key: string) =>
      new Anthropic({ baseURL: harness.gateway.url, apiKey: key, maxRetries: 0 });
    await agentConversation(client(off.key), false, 'alpha');
    await agentConversation(client(on.key), 'auto', 'beta');
    const spentOff = 1_000_000_000 - (await harness.balancedBalance(off.user.id));
    const spentOn = 1_000_000_000 - (await harness.balancedBalance(on.user.id));
    const ratio = spentOn / spentOff;
    console.log(
      `Hypereal Cache, 10-turn agent conversation on claude-sonnet-4-6: off ${spentOff / 1e6} credits, on ${spentOn / 1e6} credits, ratio ${ratio.toFixed(3)}`,
    );
    expect(ratio).toBeLessThan(0.6);

    const logs = await listRequestLogs(harness.db, on.user.id, 10);
    expect(logs.filter((log) => log.cached_tokens > 0).length).toBeGreaterThanOrEqual(8);
    const offLogs = await listRequestLogs(harness.db, off.user.id, 10);
    expect(offLogs.every((log) => log.cached_tokens === 0)).toBe(true);
  });
});

describe('failover across Anthropic upstreams with signed thinking in the history', () => {
  let harness: Harness;
  let primary: UpstreamSim;
  let sameFamily: UpstreamSim;
  let otherFamily: UpstreamSim;
  const model = 'claude-failover-demo';

  beforeAll(async () => {
    // Two upstreams of one API family (they verify each other's signatures), one of another.
    primary = await startUpstreamSim({ apiKeys: [simulatorKey], signatureFamily: 'anthropic' });
    sameFamily = await startUpstreamSim({ apiKeys: [simulatorKey], signatureFamily: 'anthropic' });
    otherFamily = await startUpstreamSim({ apiKeys: [simulatorKey], signatureFamily: 'bedrock' });
    const provider = (sim: UpstreamSim, signatureFamily: string) => ({
      adapter: 'anthropic',
      baseUrl: sim.url,
      apiKey: simulatorKey,
      signatureFamily,
    });
    harness = await startHarness({
      config: {
        routing: { retriesPerTarget: 0, breaker: { failureThreshold: 1000 } },
        providers: {
          'anthropic-us': provider(primary, 'anthropic'),
          'anthropic-eu': provider(sameFamily, 'anthropic'),
          'claude-bedrock': provider(otherFamily, 'bedrock'),
        },
        models: {
          [model]: {
            routes: [
              'anthropic-us/claude-sonnet-4-6',
              'claude-bedrock/claude-sonnet-4-6',
              'anthropic-eu/claude-sonnet-4-6',
            ],
            price: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await harness.close();
    await Promise.all([primary.close(), sameFamily.close(), otherFamily.close()]);
  });

  const tools: Anthropic.Tool[] = [
    {
      name: 'bash',
      description: 'Run a command',
      input_schema: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] },
    },
  ];

  async function firstTurn(client: Anthropic) {
    const message = await client.messages.create({
      model,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [{ role: 'user', content: 'List the files.' }],
    });
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    if (toolUse?.type !== 'tool_use') throw new Error('expected a tool call');
    return { message, toolUse };
  }

  const secondTurn = (client: Anthropic, first: Awaited<ReturnType<typeof firstTurn>>) =>
    client.messages
      .create({
        model,
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools,
        messages: [
          { role: 'user', content: 'List the files.' },
          { role: 'assistant', content: first.message.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: first.toolUse.id, content: 'README.md' }],
          },
        ],
      })
      .withResponse();

  it('replays signed thinking only to the family that signed it, skipping an upstream of another family', async () => {
    const user = await harness.newUser(1000);
    const client = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const first = await firstTurn(client);
    primary.addFault({ status: 529 });
    const { data, response } = await secondTurn(client, first);
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-hypereal-provider')).toBe('anthropic-eu');
    expect(otherFamily.requests).toHaveLength(0);
    const replayed = sameFamily.requests.at(-1)!.body as { messages: Array<{ content: unknown }> };
    expect(JSON.stringify(replayed.messages[1]!.content)).toContain('"signature"');
    await harness.balancedBalance(user.user.id);
  });

  it('when only another family is left, it makes the history valid for it instead of failing', async () => {
    const user = await harness.newUser(1000);
    const client = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    const first = await firstTurn(client);
    primary.addFault({ status: 529 });
    sameFamily.addFault({ status: 503 });
    const { data, response } = await secondTurn(client, first);
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-hypereal-provider')).toBe('claude-bedrock');
    const replayed = otherFamily.requests.at(-1)!.body as {
      messages: Array<{ content: unknown }>;
      thinking?: unknown;
    };
    expect(JSON.stringify(replayed.messages)).not.toContain('"thinking"');
    await harness.balancedBalance(user.user.id);
  });

  it('remembers who signed: history signed by the other family goes back there first', async () => {
    const user = await harness.newUser(1000);
    const client = new Anthropic({ baseURL: harness.gateway.url, apiKey: user.key, maxRetries: 0 });
    primary.addFault({ status: 529 });
    const first = await firstTurn(client); // served (and signed) by claude-bedrock
    const before = otherFamily.requests.length;
    const { response } = await secondTurn(client, first);
    expect(response.headers.get('x-hypereal-provider')).toBe('claude-bedrock');
    expect(otherFamily.requests.length).toBe(before + 1);
    await harness.balancedBalance(user.user.id);
  });
});
