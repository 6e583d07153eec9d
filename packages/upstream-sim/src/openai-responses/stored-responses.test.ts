import { setTimeout as delay } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { startSimWithClient } from '../testing/sim-client.ts';
import { BACKGROUND_RUN_MS } from './create-response.ts';

let sim: UpstreamSim;
let client: OpenAI;
let otherKey: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient());
  otherKey = new OpenAI({ apiKey: 'sk-other-project', baseURL: `${sim.url}/v1`, maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (caught: unknown) => {
      if (!(caught instanceof OpenAI.APIError)) throw caught;
      return caught;
    },
  );
}

describe('previous_response_id', () => {
  it('continues a stored response with its input and output, without its instructions', async () => {
    const first = await client.responses.create({
      model: 'gpt-4.1',
      instructions: 'Speak like a pirate.',
      input: 'My name is Ada.',
    });
    const second = await client.responses.create({
      model: 'gpt-4.1',
      previous_response_id: first.id,
      input: 'What is my name?',
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.instructions).toBeNull();
    const stateless = await client.responses.create({
      model: 'gpt-4.1',
      input: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: first.output_text },
        { role: 'user', content: 'What is my name?' },
      ],
    });
    // Same context either way, so the same reply and input tokens.
    expect(second.output_text).toBe(stateless.output_text);
    expect(second.usage?.input_tokens).toBe(stateless.usage?.input_tokens);

    const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
    expect(items.data.map((item) => item.type === 'message' && item.role)).toEqual([
      'user',
      'assistant',
      'user',
    ]);
    expect(items.data[1]?.id).toBe(first.output[0]?.id);
  });

  it('400s for an unknown, unstored or foreign previous response', async () => {
    const unstored = await client.responses.create({ model: 'gpt-4.1', input: 'hi', store: false });
    const stored = await client.responses.create({ model: 'gpt-4.1', input: 'hi' });
    for (const [caller, id] of [
      [client, 'resp_missing'],
      [client, unstored.id],
      [otherKey, stored.id],
    ] as const) {
      const error = await failure(
        caller.responses.create({ model: 'gpt-4.1', input: 'more', previous_response_id: id }),
      );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.error).toEqual({
        message: `Previous response with id '${id}' not found.`,
        type: 'invalid_request_error',
        param: 'previous_response_id',
        code: 'previous_response_not_found',
      });
    }
  });

  it('requires outputs for the calls the previous response made', async () => {
    const call = await client.responses.create({
      model: 'gpt-4.1',
      input: 'Weather?',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: false }],
    });
    const callId = call.output[0]?.type === 'function_call' ? call.output[0].call_id : '';
    const error = await failure(
      client.responses.create({ model: 'gpt-4.1', previous_response_id: call.id, input: 'Never mind.' }),
    );
    expect(error.message).toBe(`400 No tool output found for function call ${callId}.`);
    const answered = await client.responses.create({
      model: 'gpt-4.1',
      previous_response_id: call.id,
      input: [{ type: 'function_call_output', call_id: callId, output: 'rain' }],
    });
    expect(answered.output_text).toContain('The tool returned: rain.');
  });
});

describe('stored responses', () => {
  it('retrieves, lists input items, deletes, and hides them from other keys', async () => {
    const created = await client.responses.create({
      model: 'gpt-4.1',
      input: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'input_text', text: 'First question' }] },
        { role: 'user', content: 'Second question' },
      ],
    });
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.output_text).toBe(created.output_text);
    expect(retrieved.usage).toEqual(created.usage);

    const list = await client.responses.inputItems.list(created.id);
    expect(list.data.map((item) => item.type === 'message' && item.content)).toEqual([
      [{ type: 'input_text', text: 'Second question' }],
      [{ type: 'input_text', text: 'First question' }],
      [{ type: 'input_text', text: 'Be brief.' }],
    ]);
    const raw = await fetch(`${sim.url}/v1/responses/${created.id}/input_items?limit=2&order=asc`, {
      headers: { authorization: 'Bearer sk-test-key' },
    });
    const page = (await raw.json()) as { object: string; data: Array<{ id: string }>; has_more: boolean };
    expect(page).toMatchObject({ object: 'list', has_more: true });
    expect(page.data).toHaveLength(2);
    expect(page).toMatchObject({ first_id: page.data[0]?.id, last_id: page.data[1]?.id });
    expect(page.data[0]?.id).toMatch(/^msg_[0-9a-f]{48}$/);
    // The SDK pages on with `after`.
    const all: string[] = [];
    for await (const item of client.responses.inputItems.list(created.id, { limit: 1 })) all.push(item.id);
    expect(all).toHaveLength(3);

    for (const attempt of [
      () => otherKey.responses.retrieve(created.id),
      () => otherKey.responses.inputItems.list(created.id),
      () => otherKey.responses.delete(created.id),
      () => otherKey.responses.cancel(created.id),
    ]) {
      const error = await failure(attempt());
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.message).toBe(`404 Response with id '${created.id}' not found.`);
    }

    const deleted = await fetch(`${sim.url}/v1/responses/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer sk-test-key' },
    });
    expect(await deleted.json()).toEqual({ id: created.id, object: 'response', deleted: true });
    expect(await failure(client.responses.retrieve(created.id))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('does not keep responses created with store: false', async () => {
    const created = await client.responses.create({ model: 'gpt-4.1', input: 'hi', store: false });
    expect(created).toMatchObject({ store: false });
    expect(await failure(client.responses.retrieve(created.id))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('keeps streamed responses and replays their events', async () => {
    const final = await client.responses.stream({ model: 'gpt-4.1', input: 'Stream it' }).finalResponse();
    const replayed = await client.responses.stream({ response_id: final.id }).finalResponse();
    expect(replayed.output_text).toBe(final.output_text);
    expect(replayed.status).toBe('completed');
  });

  it('resolves item references to stored items', async () => {
    const first = await client.responses.create({ model: 'gpt-4.1', input: 'Remember this.' });
    const messageId = first.output[0]?.id ?? '';
    const next = await client.responses.create({
      model: 'gpt-4.1',
      input: [
        { type: 'item_reference', id: messageId },
        { role: 'user', content: 'Go on.' },
      ],
    });
    expect(next.status).toBe('completed');
    const error = await failure(
      client.responses.create({ model: 'gpt-4.1', input: [{ type: 'item_reference', id: 'msg_nope' }] }),
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('cancel', () => {
  it('refuses to cancel a synchronous response', async () => {
    const created = await client.responses.create({ model: 'gpt-4.1', input: 'hi' });
    const error = await failure(client.responses.cancel(created.id));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toEqual({
      message: 'Cannot cancel a synchronous response.',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('cancels a queued background response; a finished one is returned unchanged', async () => {
    const queued = await client.responses.create({ model: 'gpt-4.1', input: 'Slow job', background: true });
    expect(queued).toMatchObject({ status: 'queued', background: true, output: [], usage: null });
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled', output: [] });
    expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');

    const running = await client.responses.create({ model: 'gpt-4.1', input: 'Other job', background: true });
    expect((await client.responses.retrieve(running.id)).status).toBe('queued');
    await delay(BACKGROUND_RUN_MS + 20);
    const done = await client.responses.retrieve(running.id);
    expect(done.status).toBe('completed');
    expect(done.usage?.output_tokens).toBe(30);
    expect(await client.responses.cancel(running.id)).toMatchObject({ status: 'completed' });
  });
});
