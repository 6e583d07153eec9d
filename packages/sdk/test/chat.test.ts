import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../gateway/src/billing/index.ts';
import {
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  type ChatCompletion,
  type ChatCompletionChoice,
  type ChatCompletionChunk,
  Hypereal,
  InsufficientCreditsError,
} from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const completionFields = fieldsOf<ChatCompletion>()(['id', 'object', 'created', 'model', 'choices', 'usage']);
const choiceFields = fieldsOf<ChatCompletionChoice>()(['index', 'message', 'finish_reason']);
const chunkFields = fieldsOf<ChatCompletionChunk>()(['id', 'object', 'created', 'model', 'choices', 'usage']);
const messages = [{ role: 'user' as const, content: 'Say hi in one word.' }];

describe('client.chat.completions against the gateway', () => {
  let gw: SdkHarness;
  beforeAll(async () => {
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('create answers a completion whose fields are the SDK type’s, and bills it', async () => {
    const { sdk, user } = await gw.newUser(1000);
    const completion = await sdk.chat.completions.create({ model: 'deepseek-v3.2', messages });
    expectFields(completion, completionFields, { exact: false });
    expectFields(completion.choices[0], choiceFields, { exact: false });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    expect(completion.usage.total_tokens).toBeGreaterThan(0);
    expect(await gw.harness.balancedBalance(user.id)).toBeLessThan(creditsToMicro(1000));
  });

  it('stream yields chunks as an async iterable, the last with usage', async () => {
    const { sdk } = await gw.newUser(1000);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of sdk.chat.completions.stream({ model: 'deepseek-v3.2', messages }))
      chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expectFields(chunks[0], chunkFields, { optional: ['usage'], exact: false });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('abort() mid-stream throws APIUserAbortError and closes the connection (the gateway logs the client gone)', async () => {
    const { sdk, user } = await gw.newUser(1000);
    gw.harness.sim.addFault({ chunkDelayMs: 50, replyTokens: 200 });
    const stream = sdk.chat.completions.stream({ model: 'deepseek-v3.2', messages });
    let seen = 0;
    const started = Date.now();
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          if (++seen === 2) stream.abort();
        }
      })(),
    ).rejects.toBeInstanceOf(APIUserAbortError);
    expect(seen).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The gateway saw the client leave: its log row says 499 (client closed), not a full answer.
    await expect
      .poll(async () => {
        const row = await gw.harness.db.get<{ status: number }>(
          'SELECT status FROM request_logs WHERE user_id = ? ORDER BY created_at DESC LIMIT 1',
          [user.id],
        );
        return row?.status;
      })
      .toBe(499);
    await gw.harness.balancedBalance(user.id);
  });

  it('an AbortSignal given as an option aborts the stream too; break ends it quietly', async () => {
    const { sdk } = await gw.newUser(1000);
    const controller = new AbortController();
    gw.harness.sim.addFault({ chunkDelayMs: 30, replyTokens: 100 });
    const stream = sdk.chat.completions.stream(
      { model: 'deepseek-v3.2', messages },
      { signal: controller.signal },
    );
    await expect(
      (async () => {
        for await (const _chunk of stream) controller.abort();
      })(),
    ).rejects.toBeInstanceOf(APIUserAbortError);
    let count = 0;
    for await (const _chunk of sdk.chat.completions.stream({ model: 'deepseek-v3.2', messages })) {
      if (++count === 1) break;
    }
    expect(count).toBe(1);
  });

  it('typed errors: 401 for a bad key, 400 unknown model naming the param, 402 without credits', async () => {
    const bad = new Hypereal({ apiKey: 'ck_not-a-key', baseURL: gw.url, maxRetries: 0 });
    const unauthorized = await bad.chat.completions
      .create({ model: 'deepseek-v3.2', messages })
      .catch((e) => e);
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.requestId).toMatch(/^req/);

    const { sdk } = await gw.newUser(1000);
    const unknown = await sdk.chat.completions.create({ model: 'no-such-model', messages }).catch((e) => e);
    expect(unknown).toBeInstanceOf(BadRequestError);
    expect(unknown).toMatchObject({
      status: 400,
      code: 'unknown_model',
      param: 'model',
      type: 'invalid_request_error',
    });

    const broke = await gw.newUser(0);
    const poor = await broke.sdk.chat.completions
      .create({ model: 'deepseek-v3.2', messages })
      .catch((e) => e);
    expect(poor).toBeInstanceOf(InsufficientCreditsError);
    expect(poor).toMatchObject({ status: 402, code: 'insufficient_credits' });
    // A stream's HTTP error surfaces on the first iteration, typed the same way.
    const streamed = await broke.sdk.chat.completions
      .stream({ model: 'deepseek-v3.2', messages })
      .toArray()
      .catch((e) => e);
    expect(streamed).toBeInstanceOf(InsufficientCreditsError);
  });
});
