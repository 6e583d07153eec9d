import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json, SseEvent, StreamPart } from '../../contracts/index.ts';
import { splitSse } from '../../upstream/sse.ts';
import { ChatChunkEncoder } from '../openai-chat/chat-chunk-encoder.ts';
import { readChatUsage } from '../openai-chat/usage.ts';
import { AnthropicStreamToChat } from './anthropic-stream-to-chat.ts';
import { ChatToAnthropicStream } from './chat-stream-to-anthropic.ts';
import { readAnthropicUsage } from './usage.ts';

/** The transcript in small pieces, as a socket delivers it. */
async function* chunks(text: string): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += 97) yield text.slice(at, at + 97);
}

async function fixture(name: string): Promise<SseEvent[]> {
  const text = readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
  const events: SseEvent[] = [];
  for await (const event of splitSse(chunks(text))) events.push(event);
  return events;
}

/** Runs a transcript through the translator; what a chat client receives, as parsed chunks. */
async function translate(name: string, options: { clean?: boolean } = {}) {
  const stream = new AnthropicStreamToChat('claude-opus-4-6');
  const encoder = new ChatChunkEncoder(true);
  const events: StreamPart[] = [];
  let bytes = '';
  const feed = (parts: StreamPart[]) => {
    events.push(...parts);
    bytes += encoder.encode(parts) ?? '';
  };
  for (const event of await fixture(name)) feed(stream.observe(event));
  if (options.clean !== false) feed(stream.finish());
  const chunks = bytes
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => record.replace(/^data: /, ''))
    .map((data): Json => (data === '[DONE]' ? { done: true } : (JSON.parse(data) as Json)));
  return { stream, events, chunks };
}

const deltas = (chunks: Json[]): Json[] =>
  chunks.flatMap((chunk) => ((chunk['choices'] as Json[] | undefined) ?? []).map((choice) => choice));

/** What a chat client assembles from the chunks (as openai-node's ChatCompletionStream does). */
function assemble(chunks: Json[]) {
  let content = '';
  let reasoning = '';
  let finish: unknown = null;
  const calls: Array<{ id?: unknown; name: string; arguments: string; extra?: unknown }> = [];
  for (const choice of deltas(chunks)) {
    const delta = choice['delta'] as Json;
    content += typeof delta['content'] === 'string' ? delta['content'] : '';
    reasoning += typeof delta['reasoning_content'] === 'string' ? delta['reasoning_content'] : '';
    for (const call of (delta['tool_calls'] as Json[] | undefined) ?? []) {
      const index = call['index'] as number;
      const fn = call['function'] as Json;
      calls[index] ??= { name: '', arguments: '' };
      const slot = calls[index];
      if (call['id'] !== undefined) slot.id = call['id'];
      if (call['extra_content'] !== undefined) slot.extra = call['extra_content'];
      slot.name += typeof fn['name'] === 'string' ? fn['name'] : '';
      slot.arguments += typeof fn['arguments'] === 'string' ? fn['arguments'] : '';
    }
    if (choice['finish_reason'] !== null) finish = choice['finish_reason'];
  }
  return { content, reasoning, finish, calls };
}

describe('Anthropic stream (streaming guide transcripts) → Chat Completions chunks', () => {
  it('basic text: the role chunk, text deltas, finish stop, the usage chunk and [DONE]', async () => {
    const { stream, chunks } = await translate('text.sse');
    expect(chunks[0]).toMatchObject({
      id: 'chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      object: 'chat.completion.chunk',
      model: 'claude-opus-4-6',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    expect(assemble(chunks)).toEqual({ content: 'Hello!', reasoning: '', finish: 'stop', calls: [] });
    expect(chunks.at(-2)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 },
    });
    expect(chunks.at(-1)).toEqual({ done: true });
    expect(stream).toMatchObject({ completed: true, failed: false });
    expect(stream.usage).toEqual({
      inputTokens: 25,
      outputTokens: 15,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('tool use: text, then the call as index 0 (not block 1) with its arguments in fragments', async () => {
    const { chunks } = await translate('tool-use.sse');
    const answer = assemble(chunks);
    expect(answer.content).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(answer.finish).toBe('tool_calls');
    expect(answer.calls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: expect.any(String) },
    ]);
    expect(JSON.parse(answer.calls[0]?.arguments ?? '')).toEqual({
      location: 'San Francisco, CA',
      unit: 'fahrenheit',
    });
    // The first fragment names the call; the later ones carry only arguments.
    const fragments = deltas(chunks).flatMap(
      (choice) => ((choice['delta'] as Json)['tool_calls'] as Json[]) ?? [],
    );
    expect(fragments[0]).toEqual({
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(fragments.slice(1).every((call) => call['id'] === undefined)).toBe(true);
    expect(chunks.at(-2)).toMatchObject({ usage: { prompt_tokens: 472, completion_tokens: 89 } });
  });

  it('thinking: thinking_delta → reasoning_content, the signature kept back; no usage, no usage chunk', async () => {
    const { stream, chunks } = await translate('thinking.sse');
    const answer = assemble(chunks);
    expect(answer.reasoning).toBe(
      'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD(1071, 462) = 21',
    );
    expect(answer.content).toBe('The greatest common divisor of 1071 and 462 is **21**.');
    expect(answer.finish).toBe('stop');
    expect(JSON.stringify(chunks)).not.toContain('EqQBCgIYAhIM');
    expect(stream.usage).toBeNull();
    expect(chunks.at(-2)?.['usage']).toBeUndefined();
    expect(chunks.at(-1)).toEqual({ done: true });
  });

  it('an error event fails the stream as a chat error; usage read so far is kept', async () => {
    const { stream, chunks } = await translate('overloaded-error.sse', { clean: false });
    expect(chunks.at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: 'server_is_overloaded' },
    });
    expect(assemble(chunks.slice(0, -1)).content).toBe('Hello');
    expect(stream).toMatchObject({ completed: false, failed: true });
    expect(stream.usage).toMatchObject({ inputTokens: 25, outputTokens: 1 });
  });

  it('a stream cut before message_stop keeps the latest cumulative usage and is not completed', async () => {
    const events = await fixture('tool-use.sse');
    const stream = new AnthropicStreamToChat('m');
    for (const event of events.slice(0, -1)) stream.observe(event);
    expect(stream.completed).toBe(false);
    expect(stream.usage).toMatchObject({ inputTokens: 472, outputTokens: 89 });
  });
});

const sse = (type: string, data: Json): SseEvent => {
  const json = JSON.stringify({ type, ...data });
  return { raw: `event: ${type}\ndata: ${json}\n\n`, event: type, data: json };
};

describe('Anthropic stream: details', () => {
  it('prompt caching: the prompt counts cache reads and writes, as cached_tokens / cache_write_tokens', () => {
    const stream = new AnthropicStreamToChat('m');
    const usage = {
      input_tokens: 12,
      cache_read_input_tokens: 4000,
      cache_creation_input_tokens: 300,
      output_tokens: 1,
    };
    stream.observe(
      sse('message_start', { message: { id: 'msg_1', model: 'claude-sonnet-4-6', content: [], usage } }),
    );
    stream.observe(
      sse('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 40, output_tokens_details: { thinking_tokens: 10 } },
      }),
    );
    const final = stream.finish()[0];
    expect(final?.type === 'usage' ? final.raw : undefined).toEqual({
      prompt_tokens: 4312,
      completion_tokens: 40,
      total_tokens: 4352,
      prompt_tokens_details: { cached_tokens: 4000, cache_write_tokens: 300 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
    // Billing reads the same usage from the chat chunk as from the Anthropic events.
    expect(readChatUsage(final?.type === 'usage' ? final.raw : undefined)).toEqual(stream.usage);
  });

  it('stop_sequence: finish stop, the matched string as the choice stop_reason; max_tokens → length', () => {
    const run = (stopReason: string, sequence: string | null) => {
      const stream = new AnthropicStreamToChat('m');
      stream.observe(sse('message_start', { message: { id: 'msg_1', content: [] } }));
      return stream.observe(
        sse('message_delta', { delta: { stop_reason: stopReason, stop_sequence: sequence } }),
      );
    };
    expect(run('stop_sequence', 'END')).toEqual([
      { type: 'finish', choice: 0, reason: 'stop', matchedStop: 'END' },
    ]);
    expect(run('max_tokens', null)).toMatchObject([{ type: 'finish', reason: 'length' }]);
    expect(run('refusal', null)).toMatchObject([{ type: 'finish', reason: 'content_filter' }]);
  });

  it('thinking then two calls: each call carries the signed blocks before it in extra_content', () => {
    const stream = new AnthropicStreamToChat('m');
    const events = [
      sse('message_start', {
        message: { id: 'msg_1', content: [], usage: { input_tokens: 5, output_tokens: 1 } },
      }),
      sse('content_block_start', {
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      }),
      sse('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Two cities.' } }),
      sse('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'c2lnMQ==' } }),
      sse('content_block_stop', { index: 0 }),
      sse('content_block_start', {
        index: 1,
        content_block: { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
      }),
      sse('content_block_stop', { index: 1 }),
      sse('content_block_start', {
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_a', name: 'w', input: {} },
      }),
      sse('content_block_delta', {
        index: 2,
        delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' },
      }),
      sse('content_block_stop', { index: 2 }),
      sse('content_block_start', {
        index: 3,
        content_block: { type: 'tool_use', id: 'toolu_b', name: 'w', input: {} },
      }),
      sse('content_block_delta', {
        index: 3,
        delta: { type: 'input_json_delta', partial_json: '{"city":"Rome"}' },
      }),
      sse('content_block_stop', { index: 3 }),
      sse('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 50 } }),
      sse('message_stop', {}),
    ];
    const out = events.flatMap((event) => stream.observe(event));
    const calls = out.filter((part) => part.type.startsWith('tool-call-'));
    expect(
      calls.map((part) => [
        part.type,
        'index' in part ? part.index : undefined,
        'id' in part ? part.id : undefined,
      ]),
    ).toEqual([
      ['tool-call-start', 0, 'toolu_a'],
      ['tool-call-delta', 0, undefined],
      ['tool-call-end', 0, 'toolu_a'],
      ['tool-call-start', 1, 'toolu_b'],
      ['tool-call-delta', 1, undefined],
      ['tool-call-end', 1, 'toolu_b'],
    ]);
    expect(calls.map((part) => (part.type === 'tool-call-end' ? part.arguments : null))).toEqual([
      null,
      null,
      '{"city":"Oslo"}',
      null,
      null,
      '{"city":"Rome"}',
    ]);
    expect(out.filter((part) => part.type === 'reasoning-end')).toEqual([
      { type: 'reasoning-end', choice: 0, signature: 'c2lnMQ==' },
    ]);
    expect(calls[0]?.type === 'tool-call-start' ? calls[0].extra : undefined).toEqual({
      anthropic: {
        thinking_blocks: [
          { type: 'thinking', thinking: 'Two cities.', signature: 'c2lnMQ==' },
          { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
        ],
      },
    });
    expect(calls[3]?.type === 'tool-call-start' ? calls[3].extra : null).toBeUndefined();
    expect(stream.completed).toBe(true);
  });

  it('a call without arguments gets {} when its block stops (chat clients parse the arguments)', () => {
    const stream = new AnthropicStreamToChat('m');
    stream.observe(sse('message_start', { message: { id: 'msg_1', content: [] } }));
    stream.observe(
      sse('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_n', name: 'now', input: {} },
      }),
    );
    stream.observe(
      sse('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '' } }),
    );
    expect(stream.observe(sse('content_block_stop', { index: 0 }))).toEqual([
      { type: 'tool-call-delta', choice: 0, index: 0, arguments: '{}' },
      {
        type: 'tool-call-end',
        choice: 0,
        index: 0,
        id: 'toolu_n',
        name: 'now',
        arguments: '{}',
        signature: undefined,
        extra: undefined,
      },
    ]);
  });

  it('ping, unknown events, server-tool blocks and broken data send nothing', () => {
    const stream = new AnthropicStreamToChat('m');
    stream.observe(sse('message_start', { message: { id: 'msg_1', content: [] } }));
    expect(stream.observe(sse('ping', {}))).toEqual([]);
    expect(stream.observe(sse('future_event', { index: 0 }))).toEqual([]);
    expect(
      stream.observe(
        sse('content_block_start', {
          index: 0,
          content_block: { type: 'server_tool_use', id: 's', name: 'web_search', input: {} },
        }),
      ),
    ).toEqual([]);
    expect(
      stream.observe(
        sse('content_block_delta', {
          index: 0,
          delta: { type: 'input_json_delta', partial_json: '{"q":1}' },
        }),
      ),
    ).toEqual([]);
    expect(stream.observe({ raw: 'data: {oops\n\n', event: 'content_block_delta', data: '{oops' })).toEqual(
      [],
    );
    expect(
      stream.observe(sse('content_block_delta', { delta: { type: 'text_delta', text: 'no index' } })),
    ).toEqual([]);
  });
});

describe('round trip with the opposite direction (chat → Anthropic client stream)', () => {
  it.each(['text.sse', 'tool-use.sse'])(
    '%s: the Anthropic client assembles the message the upstream sent',
    async (name) => {
      const upstream = new AnthropicStreamToChat('claude-opus-4-6');
      const client = new ChatToAnthropicStream({ model: 'claude-opus-4-6', max_tokens: 1024, messages: [] });
      const content: Json[] = [];
      let usage: unknown;
      let stopReason: unknown;
      for (const event of await fixture(name)) {
        const data = JSON.parse(event.data) as Json;
        if (data['type'] === 'content_block_start') content.push({ ...(data['content_block'] as Json) });
        if (data['type'] === 'message_start') usage = (data['message'] as Json)['usage'];
        if (data['type'] === 'message_delta') {
          usage = { ...(usage as Json), ...(data['usage'] as Json) };
          stopReason = (data['delta'] as Json)['stop_reason'];
        }
        const block = content[content.length - 1];
        const delta = data['delta'] as Json | undefined;
        if (block && delta?.['type'] === 'text_delta')
          block['text'] = `${String(block['text'])}${String(delta['text'])}`;
        if (block && delta?.['type'] === 'input_json_delta') {
          block['json'] = `${String(block['json'] ?? '')}${String(delta['partial_json'])}`;
        }
        client.encode(upstream.observe(event));
      }
      client.encode(upstream.finish());
      const expected = content.map(({ json, ...block }) =>
        block['type'] === 'tool_use' ? { ...block, input: JSON.parse(String(json)) } : block,
      );
      const message = client.assembled();
      expect(message['content']).toEqual(expected);
      expect(message['stop_reason']).toBe(stopReason);
      expect(readAnthropicUsage(message['usage'])).toEqual(readAnthropicUsage(usage));
    },
  );
});
