import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { chatStreamMeter } from '../lifecycle-stream-meter.ts';
import { ChatToResponsesStream } from './chat-stream-to-responses.ts';

const request: Json = { model: 'deepseek-chat', input: 'hi', stream: true };

const chunk = (delta: Json, finish: string | null = null, extra: Json = {}): string =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model: 'deepseek-chat',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  });

const call = (index: number, fields: Json): Json => ({ tool_calls: [{ index, ...fields }] });

function translate(transcript: string[], body: Json = request) {
  const meter = chatStreamMeter(new ChatToResponsesStream(body));
  let bytes = '';
  for (const data of transcript)
    bytes += meter.observe({ raw: `data: ${data}\n\n`, event: undefined, data }) ?? '';
  if (meter.completed) bytes += meter.finish() ?? '';
  const events = bytes
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => {
      const [event, data] = record.split('\n');
      const parsed = JSON.parse(String(data).replace(/^data: /, '')) as Json;
      expect(event).toBe(`event: ${String(parsed['type'])}`);
      return parsed;
    });
  return { meter, events };
}

/** `type` of each event, with the output index it is about. */
const trace = (events: Json[]): string[] =>
  events.map((event) =>
    event['output_index'] === undefined
      ? String(event['type'])
      : `${String(event['type'])} @${String(event['output_index'])}`,
  );

describe('ChatToResponsesStream (chat upstream → Responses client)', () => {
  it('reasoning then text: a summary item closes before the message opens; sequence numbers count up', () => {
    const { events, meter } = translate([
      chunk({ role: 'assistant', reasoning_content: 'Think.' }),
      chunk({ content: 'Answer.' }),
      chunk({}, 'stop'),
      JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }),
      '[DONE]',
    ]);
    expect(trace(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added @0',
      'response.reasoning_summary_part.added @0',
      'response.reasoning_summary_text.delta @0',
      'response.reasoning_summary_text.done @0',
      'response.reasoning_summary_part.done @0',
      'response.output_item.done @0',
      'response.output_item.added @1',
      'response.content_part.added @1',
      'response.output_text.delta @1',
      'response.output_text.done @1',
      'response.content_part.done @1',
      'response.output_item.done @1',
      'response.completed',
    ]);
    expect(events.map((event) => event['sequence_number'])).toEqual(events.map((_, at) => at));
    expect(events.at(-1)).toMatchObject({
      response: { status: 'completed', usage: { input_tokens: 3, output_tokens: 4 } },
    });
    expect(meter.generatedText()).toBe('Think.Answer.');
    expect(meter.usage).toMatchObject({ inputTokens: 3, outputTokens: 4 });
  });

  it('interleaved parallel calls: two items stream side by side and close when the answer finishes', () => {
    const { events } = translate([
      chunk(call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x"' } })),
      chunk(call(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } })),
      chunk(call(0, { function: { arguments: ':1}' } })),
      chunk({}, 'tool_calls'),
      '[DONE]',
    ]);
    expect(trace(events).slice(2)).toEqual([
      'response.output_item.added @0',
      'response.function_call_arguments.delta @0',
      'response.output_item.added @1',
      'response.function_call_arguments.delta @1',
      'response.function_call_arguments.delta @0',
      'response.function_call_arguments.done @0',
      'response.output_item.done @0',
      'response.function_call_arguments.done @1',
      'response.output_item.done @1',
      'response.completed',
    ]);
    const output = ((events.at(-1)?.['response'] ?? {}) as Json)['output'] as Json[];
    expect(output.map((item) => [item['call_id'], item['name'], item['arguments']])).toEqual([
      ['call_a', 'f', '{"x":1}'],
      ['call_b', 'g', '{"y":2}'],
    ]);
  });

  it('a cut stream (no [DONE]) is not completed and sends no terminal event', () => {
    const { events, meter } = translate([chunk({ content: 'par' })]);
    expect(meter.completed).toBe(false);
    expect(trace(events).at(-1)).toBe('response.output_text.delta @0');
  });
});
