import { encode } from 'gpt-tokenizer';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { type SseEvent, sseEvents } from '../testing/anthropic-client.ts';
import { postJson, startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

/** Runs `responses.stream()` to the end, keeping every event the SDK emitted. */
async function streamAll(
  params: Parameters<OpenAI['responses']['stream']>[0],
): Promise<{ events: OpenAI.Responses.ResponseStreamEvent[]; final: OpenAI.Responses.Response }> {
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  const stream = client.responses.stream(params);
  stream.on('event', (event) => events.push(event));
  const final = await stream.finalResponse();
  return { events, final };
}

function expectSequential(events: Array<{ sequence_number: number }>): void {
  expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
}

/** Collapses runs of the same event type, so orders read like the API reference's tables. */
function collapse(types: string[]): string[] {
  return types.filter((type, index) => type !== types[index - 1]);
}

describe('streaming (stream: true)', () => {
  it('streams a text answer in the documented order that finalResponse() accepts', async () => {
    const { events, final } = await streamAll({
      model: 'gpt-4.1',
      input: 'Tell me a story [[sim:reply_tokens=40]]',
    });
    expectSequential(events);
    expect(collapse(events.map((event) => event.type))).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const created = events[0];
    if (created?.type !== 'response.created') throw new Error('expected response.created first');
    expect(created.response).toMatchObject({ status: 'in_progress', output: [], usage: null });
    const deltas = events.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [event.delta] : [],
    );
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(final.output_text);
    expect(encode(final.output_text).length).toBe(40);
    expect(final.status).toBe('completed');
    expect(final.usage?.output_tokens).toBe(40);
    expect(final.usage?.total_tokens).toBe((final.usage?.input_tokens ?? 0) + 40);
    const done = events.at(-1);
    if (done?.type !== 'response.completed') throw new Error('expected response.completed last');
    expect(done.response.usage).toEqual(final.usage);
    expect(done.response.output.map((item) => item.id)).toEqual(final.output.map((item) => item.id));
  });

  it('frames every event with an event: line, a matching type and obfuscation on deltas', async () => {
    const response = await postJson(sim, '/v1/responses', { model: 'gpt-4.1', input: 'hi', stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const events = sseEvents(text);
    for (const { event, data } of events) expect(data['type']).toBe(event);
    expectSequential(events.map(({ data }) => data as { sequence_number: number }));
    const delta = events.find(({ event }) => event === 'response.output_text.delta')?.data;
    expect(delta).toMatchObject({
      item_id: expect.stringMatching(/^msg_/),
      output_index: 0,
      content_index: 0,
    });
    expect(delta?.['obfuscation']).toMatch(/^[A-Za-z0-9]{2,}$/);

    const plain = await postJson(sim, '/v1/responses', {
      model: 'gpt-4.1',
      input: 'hi',
      stream: true,
      stream_options: { include_obfuscation: false },
    });
    const plainEvents = sseEvents(await plain.text());
    expect(plainEvents.some(({ data }) => 'obfuscation' in data)).toBe(false);
  });

  it('streams a function call: arguments deltas, then the complete item in output_item.done', async () => {
    const { events, final } = await streamAll({
      model: 'gpt-4.1',
      input: 'Weather in Rome?',
      tools: [weatherTool],
    });
    expectSequential(events);
    expect(collapse(events.map((event) => event.type))).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const added = events.find((event) => event.type === 'response.output_item.added');
    expect(added?.type === 'response.output_item.added' && added.item).toMatchObject({
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      name: 'get_weather',
    });
    const argumentsDone = events.find((event) => event.type === 'response.function_call_arguments.done');
    expect(argumentsDone).toMatchObject({ name: 'get_weather', arguments: '{"city":"San Francisco, CA"}' });
    expect(final.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        status: 'completed',
        arguments: '{"city":"San Francisco, CA"}',
      }),
    ]);
  });

  it('streams reasoning summaries before the message; encrypted content only when done', async () => {
    const { events, final } = await streamAll({
      model: 'gpt-5',
      input: 'Why is the sky blue?',
      reasoning: { effort: 'high', summary: 'detailed' },
      include: ['reasoning.encrypted_content'],
    });
    expectSequential(events);
    const types = collapse(events.map((event) => event.type));
    const summaryPart = [
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
    ];
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      ...summaryPart,
      ...summaryPart,
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const [reasoningAdded, messageAdded] = events.filter(
      (event) => event.type === 'response.output_item.added',
    );
    expect(reasoningAdded).toMatchObject({ output_index: 0, item: { type: 'reasoning', summary: [] } });
    expect(reasoningAdded?.type === 'response.output_item.added' && reasoningAdded.item).not.toHaveProperty(
      'encrypted_content',
    );
    expect(messageAdded).toMatchObject({ output_index: 1, item: { type: 'message' } });
    const summaryDeltas = events.filter((event) => event.type === 'response.reasoning_summary_text.delta');
    expect(new Set(summaryDeltas.map((event) => event.summary_index))).toEqual(new Set([0, 1]));
    const [reasoning] = final.output;
    if (reasoning?.type !== 'reasoning') throw new Error('expected reasoning first');
    expect(reasoning.summary).toHaveLength(2);
    expect(reasoning.encrypted_content).toMatch(/^gAAAAA/);
    expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(512);
    expect(final.usage?.output_tokens).toBe(512 + encode(final.output_text).length);
  });

  it('ends a truncated response with response.incomplete', async () => {
    const { events, final } = await streamAll({ model: 'gpt-4.1', input: 'Long one', max_output_tokens: 20 });
    expect(events.at(-1)?.type).toBe('response.incomplete');
    expect(final.status).toBe('incomplete');
    expect(final.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(final.output[0]).toMatchObject({ status: 'incomplete' });
    expect(encode(final.output_text).length).toBe(20);
  });
});

describe('always-SSE upstreams', () => {
  it('answers stream:false with SSE when started with alwaysSse', async () => {
    const alwaysSse = await startUpstreamSim({ alwaysSse: true });
    try {
      const response = await postJson(alwaysSse, '/v1/responses', {
        model: 'gpt-4.1',
        input: 'hi',
        stream: false,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const events = sseEvents(await response.text());
      expect(events[0]?.event).toBe('response.created');
      expect(events.at(-1)?.event).toBe('response.completed');
      expect(events.at(-1)?.data['response']).toMatchObject({
        status: 'completed',
        usage: { output_tokens: 30 },
      });
      // Errors stay JSON.
      const invalid = await postJson(alwaysSse, '/v1/responses', { model: 'gpt-4.1' });
      expect(invalid.headers.get('content-type')).toBe('application/json');
    } finally {
      await alwaysSse.close();
    }
  });

  it('does the same for one request with Fault.alwaysSse', async () => {
    sim.addFault({ alwaysSse: true });
    const sse = await postJson(sim, '/v1/responses', { model: 'gpt-4.1', input: 'hi' });
    expect(sse.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(sseEvents(await sse.text()).at(-1)?.event).toBe('response.completed');
    const json = await postJson(sim, '/v1/responses', { model: 'gpt-4.1', input: 'hi' });
    expect(json.headers.get('content-type')).toBe('application/json');
  });
});

describe('stream faults', () => {
  const request = { model: 'gpt-4.1', input: 'Tell me more', stream: true };

  function lastEvent(events: SseEvent[]): SseEvent {
    const last = events.at(-1);
    if (!last) throw new Error('no events');
    return last;
  }

  it('ends with an error event after the first text delta', async () => {
    sim.addFault({ streamError: { type: 'server_error', message: 'The server had an error.' } });
    const events = sseEvents(await (await postJson(sim, '/v1/responses', request)).text());
    expect(events.map(({ event }) => event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'error',
    ]);
    expect(lastEvent(events).data).toEqual({
      type: 'error',
      sequence_number: 5,
      code: 'server_error',
      message: 'The server had an error.',
      param: null,
    });
  });

  it('can fail with response.failed instead, which the SDK folds into the final snapshot', async () => {
    sim.addFault({
      streamError: {
        type: 'rate_limit_exceeded',
        message: 'Please try again in 2s.',
        event: 'response.failed',
      },
      cutAfterChunks: 3,
    });
    const { events, final } = await streamAll({ model: 'gpt-4.1', input: 'Tell me more' });
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.failed',
    ]);
    expect(events.at(-1)?.sequence_number).toBe(3);
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'rate_limit_exceeded', message: 'Please try again in 2s.' });
    expect(final.usage).toBeNull();
  });

  it('takes alwaysSse and streamError.event over POST /__sim/faults', async () => {
    const control = (body: unknown): Promise<Response> =>
      fetch(`${sim.url}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const added = await control([
      { alwaysSse: true },
      { streamError: { type: 'server_error', message: 'boom', event: 'response.failed' } },
    ]);
    expect(added.status).toBe(201);
    const sse = await postJson(sim, '/v1/responses', { model: 'gpt-4.1', input: 'hi' });
    expect(sse.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await sse.text();
    const failed = sseEvents(await (await postJson(sim, '/v1/responses', request)).text());
    expect(lastEvent(failed).data['response']).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'boom' },
    });
    const rejected = await control({ streamError: { type: 'x', message: 'y', event: 'response.done' } });
    expect(rejected.status).toBe(400);
  });

  it('cuts the connection after cutAfterChunks events', async () => {
    sim.addFault({ cutAfterChunks: 4 });
    const stream = client.responses.stream({ model: 'gpt-4.1', input: 'Tell me more' });
    const seen: string[] = [];
    stream.on('event', (event) => seen.push(event.type));
    await expect(stream.finalResponse()).rejects.toThrow();
    expect(seen).toHaveLength(4);
    const record = sim.requests.at(-1);
    expect(record).toMatchObject({ completed: false, aborted: false });
  });
});
