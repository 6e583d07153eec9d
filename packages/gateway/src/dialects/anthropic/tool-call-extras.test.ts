import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { jsonAnswerFor, streamMeterFor, upstreamRequestFor } from '../../proxy/wire-route.ts';
import { createAnthropicDialect } from './proxy-dialect.ts';

/**
 * Gemini 3 through Google's OpenAI-compatible endpoint signs its tool calls in
 * `extra_content.google.thought_signature` and rejects a replayed call without it.
 * Anthropic blocks cannot carry it, so the gateway keeps it by tool-call id.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
const signature = { google: { thought_signature: 'c2lnbmF0dXJlLWZyb20tZ2VtaW5p' } };

describe('tool-call extras across the Anthropic ⇄ Chat translation', () => {
  // An operator's Gemini route through Google's OpenAI-compatible endpoint (the built-in one is native).
  const route = loadConfig({
    inline: {
      providers: {
        'google-compat': {
          adapter: 'google-openai',
          baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
        },
      },
      models: {
        'gemini-3.1-pro': { route: 'google-compat/gemini-3.1-pro-preview', price: { input: 2, output: 12 } },
      },
    },
    env: {},
  }).catalog.resolve('gemini-3.1-pro')!.routes[0]!;
  const client = { headers: {}, query: {} };

  it('keeps a JSON answer’s extra_content and hands it back when the client replays the call', () => {
    const dialect = createAnthropicDialect();
    const request = {
      model: 'gemini-3.1-pro',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather?' }],
    };
    const call = { body: request, model: 'gemini-3.1-pro', stream: false, maxOutputTokens: 100, choices: 1 };
    const answer = jsonAnswerFor(dialect, call, route, {
      id: 'chatcmpl-1',
      model: 'gemini-3.1-pro-preview',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_g1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
                extra_content: signature,
              },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    }).body;
    const toolUse = (answer['content'] as Array<Record<string, unknown>>).find(
      (block) => block['type'] === 'tool_use',
    )!;
    expect(JSON.stringify(answer)).not.toContain('thought_signature');

    const next = upstreamRequestFor(
      dialect,
      {
        ...call,
        body: {
          ...request,
          messages: [
            { role: 'user', content: 'weather?' },
            { role: 'assistant', content: [toolUse] },
            {
              role: 'user',
              content: [{ type: 'tool_result', tool_use_id: toolUse['id'], content: '7 degrees' }],
            },
          ],
        },
      },
      route,
      client,
      undefined,
    );
    const body = JSON.parse(String(next.body)) as {
      messages: Array<{ tool_calls?: Array<Record<string, unknown>> }>;
    };
    const replayed = body.messages.find((message) => message.tool_calls)!.tool_calls![0]!;
    expect(replayed['id']).toBe('call_g1');
    expect(replayed['extra_content']).toEqual(signature);
  });

  it('keeps it from a streamed answer too', () => {
    const dialect = createAnthropicDialect();
    const request = {
      model: 'gemini-3.1-pro',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    };
    const call = { body: request, model: 'gemini-3.1-pro', stream: true, maxOutputTokens: 100, choices: 1 };
    const meter = streamMeterFor(dialect, call, route);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      event: undefined,
      raw: '',
      data: JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: finish }],
      }),
    });
    meter.observe(chunk({ role: 'assistant' }));
    meter.observe(
      chunk({
        tool_calls: [
          {
            index: 0,
            id: 'call_s1',
            type: 'function',
            function: { name: 'f', arguments: '{}' },
            extra_content: signature,
          },
        ],
      }),
    );
    meter.observe(chunk({}, 'tool_calls'));
    const next = upstreamRequestFor(
      dialect,
      {
        ...call,
        body: {
          ...request,
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'call_s1', name: 'f', input: {} }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_s1', content: 'ok' }] },
          ],
        },
      },
      route,
      client,
      undefined,
    );
    expect(next.body).toContain('c2lnbmF0dXJlLWZyb20tZ2VtaW5p');
  });
});
