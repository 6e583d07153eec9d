import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

/**
 * Every chat stream ends with its usage (the contract), whether or not the client set
 * `stream_options.include_usage` — in a shape no OpenAI client trips over.
 */
describe('usage in the final chunk of every chat stream', () => {
  let harness: Harness;
  let user: TestUser;

  beforeAll(async () => {
    harness = await startHarness();
    user = await harness.newUser(1000);
  });
  afterAll(() => harness.close());

  // DeepSeek puts usage on its finish chunk itself; OpenAI sends a usage-only chunk; Gemini is translated.
  for (const model of ['deepseek-v3.2', 'gpt-5.5', 'gemini-3.5-fast']) {
    it(`${model}: without include_usage the finish chunk carries usage, and every chunk has a choice`, async () => {
      const stream = await user.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Count to five. [[sim:reply_tokens=25]]' }],
        stream: true,
      });
      const chunks = [];
      let text = '';
      for await (const chunk of stream) {
        chunks.push(chunk);
        // The naive loop: would throw on a `choices: []` chunk.
        text += chunk.choices[0]!.delta.content ?? '';
      }
      const last = chunks.at(-1)!;
      expect(last.choices[0]!.finish_reason).toBe('stop');
      expect(last.usage!.completion_tokens).toBeGreaterThan(0);
      expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
      expect(chunks.slice(0, -1).every((chunk) => !chunk.usage)).toBe(true);
      expect(text.length).toBeGreaterThan(0);
      const [log] = await listRequestLogs(harness.db, user.user.id, 1);
      expect(Number(log!.completion_tokens)).toBe(last.usage!.completion_tokens);
    });
  }

  it('with include_usage the standard usage-only chunk (choices: []) comes last, as OpenAI sends it', async () => {
    const stream = await user.client.chat.completions.create({
      model: 'gpt-5.5',
      messages: [{ role: 'user', content: 'Hi [[sim:reply_tokens=10]]' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('the Vercel AI SDK (openai-compatible provider, no include_usage) reads the usage', async () => {
    const provider = createOpenAICompatible({ name: 'hypereal', baseURL: harness.baseUrl, apiKey: user.key });
    const result = streamText({ model: provider('deepseek-v3.2'), prompt: 'Hello [[sim:reply_tokens=12]]' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    const usage = await result.usage;
    expect(text.length).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(usage.inputTokens).toBeGreaterThan(0);
  });
});
