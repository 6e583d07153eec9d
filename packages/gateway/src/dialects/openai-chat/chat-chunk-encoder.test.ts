import { describe, expect, it } from 'vitest';
import type { Json, SseEvent, StreamPart } from '../../contracts/index.ts';
import { LifecycleStreamMeter } from '../lifecycle-stream-meter.ts';
import type { ChatStreamTranslator } from '../upstream-codec.ts';
import { ChatChunkEncoder } from './chat-chunk-encoder.ts';

const records = (bytes: string | null): Json[] =>
  (bytes ?? '')
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => {
      expect(record.startsWith('data: ')).toBe(true);
      const data = record.slice('data: '.length);
      return data === '[DONE]' ? { done: true } : (JSON.parse(data) as Json);
    });

const usage = {
  inputTokens: 5,
  outputTokens: 2,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};
const rawUsage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };

describe('ChatChunkEncoder', () => {
  it('without the usage chunk, the finish chunk waits for the usage and carries it', () => {
    const encoder = new ChatChunkEncoder(false);
    const text = encoder.encode([
      { type: 'start', choice: 0, id: 'chatcmpl-u', model: 'gemini-3' },
      { type: 'text-delta', choice: 0, text: 'Hi' },
    ]);
    expect(records(text)).toHaveLength(1);
    expect(
      encoder.encode([{ type: 'finish', choice: 0, reason: 'stop', matchedStop: undefined }]),
    ).toBeNull();
    const last = records(encoder.encode([{ type: 'usage', usage, raw: rawUsage }, { type: 'done' }]));
    expect(last).toEqual([expect.objectContaining({ usage: rawUsage }), { done: true }]);
    expect(last[0]).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
  });

  it("one upstream event's parts become one chunk: start is the role, a call's start and first arguments one fragment", () => {
    const encoder = new ChatChunkEncoder(true);
    const [chunk] = records(
      encoder.encode([
        { type: 'start', choice: 0, id: 'chatcmpl-x', model: 'gemini-3' },
        { type: 'text-start', choice: 0 },
        { type: 'text-delta', choice: 0, text: 'Hi' },
        { type: 'text-end', choice: 0 },
        { type: 'tool-call-start', choice: 0, index: 0, id: 'call_1', name: 'f', extra: undefined },
        { type: 'tool-call-delta', choice: 0, index: 0, arguments: '{"a":1}' },
        {
          type: 'tool-call-end',
          choice: 0,
          index: 0,
          id: 'call_1',
          name: 'f',
          arguments: '{"a":1}',
          signature: undefined,
          extra: undefined,
        },
        { type: 'finish', choice: 0, reason: 'tool_calls', matchedStop: undefined },
      ]),
    );
    expect(chunk).toMatchObject({
      id: 'chatcmpl-x',
      object: 'chat.completion.chunk',
      model: 'gemini-3',
      choices: [
        {
          index: 0,
          delta: {
            role: 'assistant',
            content: 'Hi',
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
  });

  it('block starts and ends alone send nothing', () => {
    const encoder = new ChatChunkEncoder(true);
    expect(
      encoder.encode([
        { type: 'text-start', choice: 0 },
        { type: 'reasoning-end', choice: 0, signature: 'sig' },
      ]),
    ).toBeNull();
  });

  it.each([
    [true, [{ choices: [], usage: rawUsage }, { done: true }]],
    [false, [{ done: true }]],
  ])('the usage-only chunk goes out only when the client asked for it (%s)', (asked, expected) => {
    const encoder = new ChatChunkEncoder(asked);
    const parts: StreamPart[] = [{ type: 'usage', usage, raw: rawUsage }, { type: 'done' }];
    expect(records(encoder.encode(parts))).toMatchObject(expected);
  });

  it('an error part is a chat error object', () => {
    const encoder = new ChatChunkEncoder(false);
    expect(
      records(encoder.encode([{ type: 'error', error: { message: 'boom', type: 'server_error' } }])),
    ).toEqual([{ error: { message: 'boom', type: 'server_error' } }]);
  });
});

/** A source that replays fixed parts, one batch per event. */
function replay(batches: StreamPart[][], closing: StreamPart[]): ChatStreamTranslator {
  let at = 0;
  return {
    usage: null,
    completed: true,
    failed: false,
    observe: () => batches[at++] ?? [],
    finish: () => closing,
  };
}

const event: SseEvent = { raw: 'data: {}\n\n', event: undefined, data: '{}' };

describe('LifecycleStreamMeter: one tally whatever the client format', () => {
  it('counts reasoning, text and arguments once, takes the latest usage, and fails on an error part', () => {
    const meter = new LifecycleStreamMeter(
      replay(
        [
          [
            { type: 'start', choice: 0, id: undefined, model: undefined },
            { type: 'reasoning-delta', choice: 0, text: 'think ' },
            { type: 'text-delta', choice: 0, text: 'say ' },
          ],
          [
            { type: 'tool-call-start', choice: 0, index: 0, id: 'c', name: 'fn', extra: undefined },
            { type: 'tool-call-delta', choice: 0, index: 0, arguments: '{}' },
          ],
          [{ type: 'error', error: { message: 'cut' } }],
        ],
        [{ type: 'usage', usage, raw: rawUsage }, { type: 'done' }],
      ),
      new ChatChunkEncoder(true),
    );
    meter.observe(event);
    meter.observe(event);
    expect(meter.usage).toBeNull();
    expect(meter.failed).toBe(false);
    meter.observe(event);
    expect(meter.failed).toBe(true);
    expect(records(meter.finish())).toMatchObject([{ usage: rawUsage }, { done: true }]);
    expect(meter.usage).toEqual(usage);
    expect(meter.generatedText()).toBe('think say {}');
  });
});
