import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, type GenerateContentResponse, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import type { Json, SseEvent } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { splitSse } from '../../upstream/sse.ts';
import { chatStreamMeter } from '../lifecycle-stream-meter.ts';
import { ChatToGeminiStream } from './chat-stream-to-gemini.ts';
import { renderGeminiError } from './error.ts';
import type { ChatToGeminiOptions } from './from-chat-response.ts';
import { geminiToChat } from './to-chat-request.ts';
import { readGeminiUsage } from './usage.ts';

const request: Json = { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] };
const signature = 'CiQBcsjafKTPLLpbGPHD4WjvSsnnWKLgWtmFfTfH6BWx2+3rPW8=';

/** A recorded transcript from __fixtures__ (sources in its README), split as the proxy splits it. */
async function transcript(name: string): Promise<SseEvent[]> {
  const text = await readFile(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
  const events: SseEvent[] = [];
  const body = (async function* () {
    yield text;
  })();
  for await (const event of splitSse(body)) events.push(event);
  return events;
}

const event = (data: string): SseEvent => ({ raw: `data: ${data}\n\n`, event: undefined, data });
const chatChunk = (delta: Json, finishReason: string | null = null, extra: Json = {}): SseEvent =>
  event(
    JSON.stringify({
      id: 'chatcmpl-9',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'deepseek-reasoner',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ...extra,
    }),
  );

function translate(events: SseEvent[], body: Json = request, options: ChatToGeminiOptions = {}) {
  const meter = chatStreamMeter(new ChatToGeminiStream(body, options));
  let bytes = '';
  for (const upstream of events) bytes += meter.observe(upstream) ?? '';
  if (meter.completed) bytes += meter.finish();
  return { meter, bytes };
}

/**
 * Each event is one `data:` line and a blank line, nothing else
 * (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent).
 */
function chunks(bytes: string): Json[] {
  return bytes
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => {
      expect(record).toMatch(/^data: [^\n]+$/);
      return JSON.parse(record.slice('data: '.length)) as Json;
    });
}

/** Per event, its first candidate's parts in short: text, thought:…, call:name(args)@signature, end:REASON. */
function trace(bytes: string): string[] {
  return chunks(bytes).map((chunk) => {
    const first = (chunk['candidates'] as Json[])[0] ?? {};
    const parts = (((first['content'] ?? {}) as Json)['parts'] as Json[]).map((part) => {
      const signed = part['thoughtSignature'] ? '@signed' : '';
      const call = part['functionCall'] as Json | undefined;
      if (call) return `call:${String(call['name'])}(${JSON.stringify(call['args'])})${signed}`;
      return `${part['thought'] ? 'thought:' : ''}${String(part['text'])}${signed}`;
    });
    return [...parts, ...(first['finishReason'] ? [`end:${String(first['finishReason'])}`] : [])].join(' | ');
  });
}

/**
 * A tiny Gemini API on 127.0.0.1:0 answering `:streamGenerateContent?alt=sse` and
 * `:generateContent` with the bytes given, driven by the official `@google/genai`.
 */
async function withGemini<T>(
  answers: string[],
  run: (client: GoogleGenAI, requests: Array<{ url: string; body: Json }>) => Promise<T>,
): Promise<T> {
  const requests: Array<{ url: string; body: Json }> = [];
  const server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => {
      data += part;
    });
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body: JSON.parse(data) as Json });
      const streaming = (req.url ?? '').includes(':streamGenerateContent');
      res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
      res.end(answers[requests.length - 1]);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    return await run(
      new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: `http://127.0.0.1:${port}` } }),
      requests,
    );
  } finally {
    server.close();
  }
}

async function streamed(bytes: string): Promise<GenerateContentResponse[]> {
  return withGemini([bytes], async (client, requests) => {
    const received: GenerateContentResponse[] = [];
    for await (const chunk of await client.models.generateContentStream({ model: 'm', contents: 'Hello' })) {
      received.push(chunk);
    }
    expect(requests[0]?.url).toBe('/v1beta/models/m:streamGenerateContent?alt=sse');
    return received;
  });
}

describe('ChatToGeminiStream', () => {
  it('translates a text answer: one event per delta, then finishReason with usage', async () => {
    const { meter, bytes } = translate(await transcript('chat-text.sse'));
    const envelope = { modelVersion: 'gpt-4o-mini', responseId: 'chatcmpl-123' };
    const text = (value: string): Json => ({
      candidates: [{ content: { role: 'model', parts: [{ text: value }] }, index: 0 }],
      ...envelope,
    });
    expect(chunks(bytes)).toEqual([
      text('Hello'),
      text('!'),
      text(' How can I help you today?'),
      {
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 12, totalTokenCount: 21 },
        ...envelope,
      },
    ]);
    expect(meter).toMatchObject({ completed: true, failed: false, promptUsage: null });
    expect(meter.usage).toEqual({
      inputTokens: 9,
      outputTokens: 12,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(meter.generatedText()).toBe('Hello! How can I help you today?');
  });

  const sequences: Array<{ name: string; events: () => Promise<SseEvent[]>; body?: Json; trace: string[] }> =
    [
      {
        name: 'fragmented arguments: each call sent whole once its arguments parse',
        events: () => transcript('chat-tool-calls.sse'),
        trace: [
          'call:get_weather({"location":"Paris, France"})',
          'call:get_weather({"location":"Bogotá, Colombia"})',
          ' | end:STOP',
        ],
      },
      {
        name: "Google's indexless deltas: signature kept, split call joined, stop → STOP",
        events: () => transcript('google-openai-tool-calls.sse'),
        trace: [
          'call:get_current_temperature({"location":"Paris"})@signed',
          'call:get_current_temperature({"location":"London"})',
          ' | end:STOP',
        ],
      },
      {
        name: 'a text signature arriving on the delta rides on that text part',
        events: () => transcript('google-openai-text.sse'),
        trace: ['Paris is the capital@signed', ' of France.', ' | end:STOP'],
      },
      {
        name: 'interleaved parallel calls, a broken one sent as {} when the choice finishes',
        events: async () => [
          chatChunk({
            tool_calls: [
              { index: 0, id: 'call_a', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          }),
          chatChunk({
            tool_calls: [
              { index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          }),
          chatChunk({ tool_calls: [{ index: 0, function: { arguments: '{"tz": ' } }] }),
          chatChunk({ tool_calls: [{ index: 1, function: { arguments: '{"tz": "UTC"}' } }] }),
          chatChunk({ tool_calls: [{ index: 0, function: { arguments: '"CET' } }] }),
          chatChunk({}, 'length'),
          event('[DONE]'),
        ],
        trace: ['call:get_time({"tz":"UTC"})', 'call:get_time({})', ' | end:MAX_TOKENS'],
      },
      {
        name: 'reasoning shown as thought parts when includeThoughts is set',
        events: async () => [
          chatChunk({ role: 'assistant', content: null, reasoning_content: 'Two plus two ' }),
          chatChunk({ reasoning_content: 'is four.' }),
          chatChunk({ content: '4' }),
          chatChunk({}, 'stop'),
          event('[DONE]'),
        ],
        body: { ...request, generationConfig: { thinkingConfig: { includeThoughts: true } } },
        trace: ['thought:Two plus two ', 'thought:is four.', '4', ' | end:STOP'],
      },
      {
        name: 'reasoning hidden otherwise',
        events: async () => [
          chatChunk({ role: 'assistant', content: null, reasoning_content: 'Two plus two is four.' }),
          chatChunk({ content: '4' }),
          chatChunk({}, 'stop'),
          event('[DONE]'),
        ],
        trace: ['4', ' | end:STOP'],
      },
      {
        name: 'only [DONE]: still one last event',
        events: async () => [event('[DONE]')],
        trace: [' | end:STOP'],
      },
    ];

  it.each(sequences)('$name', async ({ events, body, trace: expected }) => {
    expect(trace(translate(await events(), body).bytes)).toEqual(expected);
  });

  it('assembles the whole answer for a client that did not stream', async () => {
    const { meter } = translate(await transcript('google-openai-tool-calls.sse'));
    expect(meter.assembled()).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              {
                functionCall: {
                  id: 'function-call-1',
                  name: 'get_current_temperature',
                  args: { location: 'Paris' },
                },
                thoughtSignature: signature,
              },
              {
                functionCall: {
                  id: 'function-call-2',
                  name: 'get_current_temperature',
                  args: { location: 'London' },
                },
              },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 74,
        candidatesTokenCount: 36,
        totalTokenCount: 190,
        thoughtsTokenCount: 80,
      },
      modelVersion: 'gemini-3-flash-preview',
      responseId: 'aXo8aN2bKqGXz7IPpY6w-Q4',
    });
    expect(readGeminiUsage(meter.assembled()?.['usageMetadata'])).toEqual(meter.usage);
  });

  it('counts reasoning as generated text and hands it to onReasoning with the call ids', () => {
    const seen: Array<[readonly string[], string]> = [];
    const { meter } = translate(
      [
        chatChunk({ reasoning_content: 'Need the time.' }),
        chatChunk({
          tool_calls: [
            { index: 0, id: 'call_00_x', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        }),
        chatChunk({}, 'tool_calls'),
        event('[DONE]'),
      ],
      request,
      { onReasoning: (ids, reasoning) => seen.push([ids, reasoning]) },
    );
    expect(meter.generatedText()).toBe('Need the time.{}');
    expect(seen).toEqual([[['call_00_x'], 'Need the time.']]);
  });

  it('turns an upstream error chunk into the Google envelope the SDK throws', async () => {
    const { meter, bytes } = translate([
      chatChunk({ content: 'Hel' }),
      event(
        JSON.stringify({
          error: { message: 'Service overloaded', type: 'server_error', code: 'server_is_overloaded' },
        }),
      ),
    ]);
    expect(meter).toMatchObject({ failed: true, completed: false });
    expect(chunks(bytes).at(-1)).toEqual({
      error: { code: 503, message: 'Service overloaded', status: 'UNAVAILABLE', type: 'server_error' },
    });
    const caught = await streamed(bytes).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(ApiError);
    expect(caught).toMatchObject({ status: 503 });
  });

  it('renders a gateway error in the Google envelope', () => {
    const error = new GatewayError('upstream_timeout');
    expect(chunks(new ChatToGeminiStream(request).renderError(error))).toEqual([
      renderGeminiError(error).body,
    ]);
  });
});

describe('@google/genai reads what the codec writes', () => {
  it('streams text with generateContentStream, usage on the last chunk', async () => {
    const received = await streamed(translate(await transcript('chat-text.sse')).bytes);
    expect(received.map((chunk) => chunk.text).join('')).toBe('Hello! How can I help you today?');
    expect(received.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(received.at(-1)?.usageMetadata).toEqual({
      promptTokenCount: 9,
      candidatesTokenCount: 12,
      totalTokenCount: 21,
    });
  });

  it('streams whole function calls with their thought signature', async () => {
    const received = await streamed(translate(await transcript('google-openai-tool-calls.sse')).bytes);
    expect(received.flatMap((chunk) => chunk.functionCalls ?? [])).toEqual([
      { id: 'function-call-1', name: 'get_current_temperature', args: { location: 'Paris' } },
      { id: 'function-call-2', name: 'get_current_temperature', args: { location: 'London' } },
    ]);
    expect(received[0]?.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toBe(signature);
  });

  it('streams fragmented OpenAI calls as whole calls', async () => {
    const received = await streamed(translate(await transcript('chat-tool-calls.sse')).bytes);
    expect(received.flatMap((chunk) => chunk.functionCalls ?? [])).toEqual([
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', args: { location: 'Paris, France' } },
      { id: 'call_ABCDEFGHIJKLMNOPQRSTUVWX', name: 'get_weather', args: { location: 'Bogotá, Colombia' } },
    ]);
  });

  it('reads generateContent answers built by chatToGemini (assembled)', async () => {
    const calls = translate(await transcript('google-openai-tool-calls.sse')).meter.assembled();
    const text = translate(await transcript('google-openai-text.sse')).meter.assembled();
    await withGemini([JSON.stringify(calls), JSON.stringify(text)], async (client, requests) => {
      const first = await client.models.generateContent({
        model: 'm',
        contents: 'Weather in Paris and London?',
      });
      expect(requests[0]?.url).toBe('/v1beta/models/m:generateContent');
      expect(first.functionCalls?.map((call) => call.args)).toEqual([
        { location: 'Paris' },
        { location: 'London' },
      ]);
      expect(first.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toBe(signature);
      expect(first.usageMetadata?.thoughtsTokenCount).toBe(80);
      const second = await client.models.generateContent({ model: 'm', contents: 'Capital of France?' });
      expect(second.text).toBe('Paris is the capital of France.');
      expect(second.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toBe(signature);
    });
  });

  it('round-trips a chat: the next request carries the calls, signature and paired results', async () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_current_temperature',
            description: 'Gets the current temperature for a given location.',
            parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } } },
          },
        ],
      },
    ];
    const callsBytes = translate(await transcript('google-openai-tool-calls.sse')).bytes;
    const answer = translate(await transcript('google-openai-text.sse')).meter.assembled();
    await withGemini([callsBytes, JSON.stringify(answer)], async (client, requests) => {
      const chat = client.chats.create({ model: 'gemini-3-flash-preview', config: { tools } });
      const calls = [];
      for await (const chunk of await chat.sendMessageStream({
        message: 'Check the weather in Paris and London.',
      })) {
        calls.push(...(chunk.functionCalls ?? []));
      }
      await chat.sendMessage({
        message: calls.map((call, index) => ({
          functionResponse: {
            ...(call.id === undefined ? {} : { id: call.id }),
            name: call.name ?? '',
            response: { output: index === 0 ? '15C' : '12C' },
          },
        })),
      });
      const next = geminiToChat(requests[1]?.body ?? {}, 'gemini-3-flash-preview');
      expect(next['messages']).toEqual([
        { role: 'user', content: 'Check the weather in Paris and London.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'function-call-1',
              type: 'function',
              function: { name: 'get_current_temperature', arguments: '{"location":"Paris"}' },
              extra_content: { google: { thought_signature: signature } },
            },
            {
              id: 'function-call-2',
              type: 'function',
              function: { name: 'get_current_temperature', arguments: '{"location":"London"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'function-call-1', content: '{"output":"15C"}' },
        { role: 'tool', tool_call_id: 'function-call-2', content: '{"output":"12C"}' },
      ]);
    });
  });
});
