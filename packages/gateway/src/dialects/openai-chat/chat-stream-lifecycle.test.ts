import { describe, expect, it } from 'vitest';
import type { Json, SseEvent, StreamPart } from '../../contracts/index.ts';
import { ChatStreamLifecycle } from './chat-stream-lifecycle.ts';

const sse = (data: Json | string): SseEvent => {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return { raw: `data: ${text}\n\n`, event: undefined, data: text };
};

const chunk = (choices: Json[], extra: Json = {}): SseEvent =>
  sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'm', choices, ...extra });

const delta = (fields: Json, index = 0, finish: string | null = null): Json => ({
  index,
  delta: fields,
  finish_reason: finish,
});

const call = (index: number | undefined, fields: Json): Json => ({
  ...(index !== undefined ? { index } : {}),
  ...fields,
});

/** The reader's parts, compacted to what a table can show: `type choice detail`. */
function lifecycle(events: SseEvent[]): {
  lines: string[];
  reader: ChatStreamLifecycle;
  parts: StreamPart[];
} {
  const reader = new ChatStreamLifecycle();
  const parts = events.flatMap((event) => reader.observe(event));
  const lines = parts.map((part) => {
    switch (part.type) {
      case 'start':
        return `start ${part.choice}`;
      case 'text-delta':
      case 'reasoning-delta':
        return `${part.type} ${part.choice} ${part.text}`;
      case 'tool-call-start':
        return `tool-call-start ${part.choice} #${part.index} ${part.id ?? '-'} ${part.name ?? '-'}`;
      case 'tool-call-delta':
        return `tool-call-delta ${part.choice} #${part.index} ${part.arguments}`;
      case 'tool-call-end':
        return `tool-call-end ${part.choice} #${part.index} ${part.arguments}`;
      case 'finish':
        return `finish ${part.choice} ${part.reason}`;
      case 'usage':
        return `usage ${part.usage.inputTokens}/${part.usage.outputTokens}`;
      case 'error':
        return `error ${String(part.error['message'])}`;
      case 'done':
        return 'done';
      default:
        return `${part.type} ${part.choice}`;
    }
  });
  return { lines, reader, parts };
}

const usageChunk = sse({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
});

describe('ChatStreamLifecycle: chat chunks → the canonical lifecycle', () => {
  it.each<{ name: string; events: SseEvent[]; expected: string[] }>([
    {
      name: 'text, finish, usage-only final chunk, [DONE]',
      events: [
        chunk([delta({ role: 'assistant', content: '' })]),
        chunk([delta({ content: 'Hel' })]),
        chunk([delta({ content: 'lo' })]),
        chunk([delta({}, 0, 'stop')]),
        usageChunk,
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'text-start 0',
        'text-delta 0 Hel',
        'text-delta 0 lo',
        'text-end 0',
        'finish 0 stop',
        'usage 7/3',
        'done',
      ],
    },
    {
      name: 'reasoning then text: each block closes the other',
      events: [
        chunk([delta({ role: 'assistant', reasoning_content: 'think' })]),
        chunk([delta({ content: 'answer' })]),
        chunk([delta({ reasoning: 'more' })]),
        chunk([delta({}, 0, 'stop')]),
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'reasoning-start 0',
        'reasoning-delta 0 think',
        'reasoning-end 0',
        'text-start 0',
        'text-delta 0 answer',
        'text-end 0',
        'reasoning-start 0',
        'reasoning-delta 0 more',
        'reasoning-end 0',
        'finish 0 stop',
        'done',
      ],
    },
    {
      name: 'interleaved parallel calls: each ends once its own arguments parse',
      events: [
        chunk([delta({ content: 'Checking.' })]),
        chunk([delta({ tool_calls: [call(0, { id: 'a', function: { name: 'f', arguments: '{"x"' } })] })]),
        chunk([delta({ tool_calls: [call(1, { id: 'b', function: { name: 'g', arguments: '{"y":2}' } })] })]),
        chunk([delta({ tool_calls: [call(0, { function: { arguments: ':1}' } })] })]),
        chunk([delta({}, 0, 'tool_calls')]),
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'text-start 0',
        'text-delta 0 Checking.',
        'text-end 0',
        'tool-call-start 0 #0 a f',
        'tool-call-delta 0 #0 {"x"',
        'tool-call-start 0 #1 b g',
        'tool-call-delta 0 #1 {"y":2}',
        'tool-call-end 0 #1 {"y":2}',
        'tool-call-delta 0 #0 :1}',
        'tool-call-end 0 #0 {"x":1}',
        'finish 0 tool_calls',
        'done',
      ],
    },
    {
      name: 'a call whose arguments never parse ends with its choice, as written',
      events: [
        chunk([delta({ tool_calls: [call(0, { id: 'a', function: { name: 'f', arguments: '{"x":' } })] })]),
        chunk([delta({}, 0, 'length')]),
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'tool-call-start 0 #0 a f',
        'tool-call-delta 0 #0 {"x":',
        'tool-call-end 0 #0 {"x":',
        'finish 0 length',
        'done',
      ],
    },
    {
      name: 'two choices stream side by side, each with its own lifecycle',
      events: [
        chunk([delta({ role: 'assistant', content: 'A' }, 0), delta({ role: 'assistant', content: 'B' }, 1)]),
        chunk([delta({ content: 'a' }, 1, 'stop')]),
        chunk([delta({ tool_calls: [call(0, { id: 'c', function: { name: 'f', arguments: '{}' } })] }, 0)]),
        chunk([delta({}, 0, 'tool_calls')]),
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'text-start 0',
        'text-delta 0 A',
        'start 1',
        'text-start 1',
        'text-delta 1 B',
        'text-delta 1 a',
        'text-end 1',
        'finish 1 stop',
        'text-end 0',
        'tool-call-start 0 #0 c f',
        'tool-call-delta 0 #0 {}',
        'tool-call-end 0 #0 {}',
        'finish 0 tool_calls',
        'done',
      ],
    },
    {
      name: "Google's endpoint: calls without index are told apart by id and name",
      events: [
        chunk([
          delta({ tool_calls: [call(undefined, { id: 'a', function: { name: 'f', arguments: '{"q"' } })] }),
        ]),
        chunk([delta({ tool_calls: [call(undefined, { function: { arguments: ':1}' } })] })]),
        chunk([
          delta({ tool_calls: [call(undefined, { id: 'b', function: { name: 'g', arguments: '{}' } })] }),
        ]),
        chunk([delta({}, 0, 'tool_calls')]),
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'tool-call-start 0 #0 a f',
        'tool-call-delta 0 #0 {"q"',
        'tool-call-delta 0 #0 :1}',
        'tool-call-end 0 #0 {"q":1}',
        'tool-call-start 0 #1 b g',
        'tool-call-delta 0 #1 {}',
        'tool-call-end 0 #1 {}',
        'finish 0 tool_calls',
        'done',
      ],
    },
    {
      name: '[DONE] without a finish closes what is open, without a finish',
      events: [
        chunk([delta({ content: 'cut' })]),
        chunk([delta({ tool_calls: [call(0, { id: 'a', function: { name: 'f', arguments: '{' } })] })]),
        sse('[DONE]'),
      ],
      expected: [
        'start 0',
        'text-start 0',
        'text-delta 0 cut',
        'text-end 0',
        'tool-call-start 0 #0 a f',
        'tool-call-delta 0 #0 {',
        'tool-call-end 0 #0 {',
        'done',
      ],
    },
    {
      name: 'an error chunk fails the stream; broken data is skipped',
      events: [
        chunk([delta({ content: 'x' })]),
        sse('{oops'),
        sse({ error: { message: 'overloaded', type: 'server_error' } }),
      ],
      expected: ['start 0', 'text-start 0', 'text-delta 0 x', 'error overloaded'],
    },
  ])('$name', ({ events, expected }) => {
    expect(lifecycle(events).lines).toEqual(expected);
  });

  it('a cut stream (no [DONE]) is not completed, leaves blocks open, and keeps the usage seen', () => {
    const { reader, lines } = lifecycle([
      chunk([delta({ content: 'partial' })], {
        usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
      }),
    ]);
    expect(lines).toEqual(['usage 4/1', 'start 0', 'text-start 0', 'text-delta 0 partial']);
    expect(reader).toMatchObject({ completed: false, failed: false });
    expect(reader.usage).toMatchObject({ inputTokens: 4, outputTokens: 1 });
  });

  it('[DONE] completes; an error fails', () => {
    const done = lifecycle([chunk([delta({ content: 'x' })]), sse('[DONE]')]).reader;
    expect(done).toMatchObject({ completed: true, failed: false });
    const failed = lifecycle([sse({ error: { message: 'no' } })]).reader;
    expect(failed).toMatchObject({ completed: false, failed: true });
  });

  it('tool-call-end carries the whole call: id, first name, signature and extra_content', () => {
    const extra = { google: { thought_signature: 'sig' } };
    const { parts } = lifecycle([
      chunk([delta({ tool_calls: [call(0, { id: 'a', function: { name: 'f', arguments: '' } })] })]),
      chunk([
        delta({ tool_calls: [call(0, { extra_content: extra, function: { arguments: '{"k":"v"}' } })] }),
      ]),
    ]);
    expect(parts.find((part) => part.type === 'tool-call-end')).toEqual({
      type: 'tool-call-end',
      choice: 0,
      index: 0,
      id: 'a',
      name: 'f',
      arguments: '{"k":"v"}',
      signature: 'sig',
      extra,
    });
  });

  it('the start carries the chunk id and model; a text signature is its own part', () => {
    const { parts } = lifecycle([
      chunk([
        delta({ role: 'assistant', content: 'hi', extra_content: { google: { thought_signature: 's1' } } }),
      ]),
    ]);
    expect(parts[0]).toEqual({ type: 'start', choice: 0, id: 'chatcmpl-1', model: 'm' });
    expect(parts).toContainEqual({ type: 'text-signature', choice: 0, signature: 's1' });
  });
});
