import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APIError,
  BadRequestError,
  type GenerateContentResponse,
  type Message,
  type MessageStreamEvent,
  type Model,
  type ModelList,
  NotFoundError,
  type Response,
  type ResponseStreamEvent,
} from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const responseFields = fieldsOf<Response>()([
  'id',
  'object',
  'created_at',
  'status',
  'model',
  'output',
  'usage',
]);
const messageFields = fieldsOf<Message>()([
  'id',
  'type',
  'role',
  'model',
  'content',
  'stop_reason',
  'stop_sequence',
  'usage',
]);
const geminiFields = fieldsOf<GenerateContentResponse>()([
  'candidates',
  'usageMetadata',
  'modelVersion',
  'responseId',
]);
const modelFields = fieldsOf<Model>()([
  'id',
  'object',
  'created',
  'owned_by',
  'kind',
  'endpoint',
  'modalities',
  'pricing',
  'options',
]);
const listFields = fieldsOf<ModelList>()(['object', 'data']);

describe('responses, messages, gemini and models against the gateway', () => {
  let gw: SdkHarness;
  beforeAll(async () => {
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('responses.create and responses.stream (response.created first, response.completed last)', async () => {
    const { sdk } = await gw.newUser(1000);
    const response = await sdk.responses.create({ model: 'gpt-5.5', input: 'Say hi.' });
    expectFields(response, responseFields, { exact: false });
    expect(response.object).toBe('response');
    const events: ResponseStreamEvent[] = await sdk.responses
      .stream({ model: 'gpt-5.5', input: 'Say hi.' })
      .toArray();
    expect(events[0]!.type).toBe('response.created');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(events.some((event) => event.type === 'response.output_text.delta')).toBe(true);
  });

  it('a stored response: retrieve, inputItems, delete (then 404), only for its owner', async () => {
    const { sdk } = await gw.newUser(1000);
    const stored = await sdk.responses.create({ model: 'gpt-5.5', input: 'Remember me.', store: true });
    const again = await sdk.responses.retrieve(stored.id);
    expectFields(again, responseFields, { exact: false });
    expect(again.id).toBe(stored.id);
    const items = await sdk.responses.inputItems(stored.id);
    expect(items.data.length).toBeGreaterThan(0);
    const stranger = await gw.newUser(1000);
    await expect(stranger.sdk.responses.retrieve(stored.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await sdk.responses.delete(stored.id)).deleted).toBe(true);
    await expect(sdk.responses.retrieve(stored.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a stream that fails mid-way throws the typed error of its type', async () => {
    const { sdk } = await gw.newUser(1000);
    gw.harness.sim.addFault({
      streamError: { type: 'overloaded_error', message: 'busy' },
      cutAfterChunks: 1,
    });
    const failure = await sdk.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .toArray()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).status).toBeGreaterThanOrEqual(500);
  });

  it('messages.create, messages.stream (pings skipped) and countTokens', async () => {
    const { sdk } = await gw.newUser(1000);
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: 'Hi' }],
    };
    const message = await sdk.messages.create(params);
    expectFields(message, messageFields, { exact: false });
    expect(message.content[0]?.type).toBe('text');
    const events: MessageStreamEvent[] = await sdk.messages.stream(params).toArray();
    expect(events[0]!.type).toBe('message_start');
    expect(events.at(-1)!.type).toBe('message_stop');
    expect(events.every((event) => event.type !== 'ping')).toBe(true);
    const counted = await sdk.messages.countTokens({ model: 'claude-sonnet-4-6', messages: params.messages });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('gemini.generateContent, streamGenerateContent and countTokens at Google’s path layout', async () => {
    const { sdk } = await gw.newUser(1000);
    const params = {
      model: 'gemini-3.5-fast',
      contents: [{ role: 'user' as const, parts: [{ text: 'Hi' }] }],
    };
    const answer = await sdk.gemini.generateContent(params);
    expectFields(answer, geminiFields, { optional: ['modelVersion', 'responseId'], exact: false });
    expect(answer.candidates[0]?.content.parts[0]?.text).toBeTruthy();
    const chunks = await sdk.gemini.streamGenerateContent(params).toArray();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.at(-1)!.candidates[0]?.finishReason).toBeTruthy();
    expect((await sdk.gemini.countTokens(params)).totalTokens).toBeGreaterThan(0);
  });

  it('gemini.generate (model in the body, POST /v1/gemini), listModels and retrieveModel (/v1beta/models)', async () => {
    const { sdk } = await gw.newUser(1000);
    const answer = await sdk.gemini.generate({
      model: 'gemini-3.5-fast',
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
    });
    expectFields(answer, geminiFields, { optional: ['modelVersion', 'responseId'], exact: false });
    expect(answer.candidates[0]?.content.parts[0]?.text).toBeTruthy();
    const models = await sdk.gemini.listModels();
    expect(models.map((model) => model.name)).toContain('models/gemini-3.5-fast');
    expect(models.every((model) => model.supportedGenerationMethods.includes('generateContent'))).toBe(true);
    // Either spelling of the id, as Google's own clients send both.
    for (const id of ['gemini-3.5-fast', 'models/gemini-3.5-fast']) {
      expect(await sdk.gemini.retrieveModel(id)).toMatchObject({ name: 'models/gemini-3.5-fast' });
    }
    await expect(sdk.gemini.retrieveModel('no-such-model')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('errors in Anthropic’s and Google’s envelopes come out as the same typed errors', async () => {
    const { sdk } = await gw.newUser(1000);
    const anthropic = await sdk.messages
      .create({ model: 'no-such-model', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((error: unknown) => error);
    expect(anthropic).toBeInstanceOf(BadRequestError);
    expect(anthropic).toMatchObject({ status: 400, code: 'unknown_model', type: 'invalid_request_error' });
    expect((anthropic as BadRequestError).requestId).toMatch(/^req/);
    const google = await sdk.gemini
      .generateContent({ model: 'no-such-model', contents: [{ parts: [{ text: 'Hi' }] }] })
      .catch((error: unknown) => error);
    expect(google).toBeInstanceOf(BadRequestError);
    expect(google).toMatchObject({ status: 400, code: 'unknown_model', param: 'model' });
  });

  it('models.list and retrieve: chat and media models in the SDK’s Model shape', async () => {
    const { sdk } = await gw.newUser(1000);
    const list = await sdk.models.list();
    expectFields(list, listFields);
    const chat = list.data.find((model) => model.id === 'deepseek-v3.2')!;
    expectFields(chat, modelFields, { optional: ['endpoint', 'modalities', 'pricing', 'options'] });
    const image = await sdk.models.retrieve('flux-2-pro');
    expectFields(image, modelFields, { optional: [] });
    expect(image.endpoint).toBe('POST /v1/images/generations');
    const video = list.data.find((model) => model.kind === 'video')!;
    expectFields(video, modelFields, { optional: ['options'] });
    await expect(sdk.models.retrieve('no-such-model')).rejects.toBeInstanceOf(NotFoundError);
  });
});
