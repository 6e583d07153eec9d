import {
  type Content,
  FunctionCallingConfigMode,
  type FunctionDeclaration,
  type GenerateContentResponse,
  type GoogleGenAI,
  Type,
} from '@google/genai';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { apiError, errorBody, postGemini, startSimWithGemini } from '../testing/gemini-client.ts';

let sim: UpstreamSim;
let client: GoogleGenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithGemini());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const gemini3 = 'gemini-3-flash-preview';
const question: Content = { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] };
const weather: FunctionDeclaration = {
  name: 'get_weather',
  description: 'Current weather for a place',
  parametersJsonSchema: {
    type: 'object',
    properties: {
      location: { type: 'string' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1 },
    },
    required: ['location', 'unit', 'days'],
  },
};
const time: FunctionDeclaration = {
  name: 'get_time',
  parameters: { type: Type.OBJECT, properties: { timezone: { type: Type.STRING } }, required: ['timezone'] },
};
const tools = [{ functionDeclarations: [weather, time] }];

function modelTurn(response: GenerateContentResponse): Content {
  return response.candidates?.[0]?.content as Content;
}

function answer(name: string, output: string): Content {
  return { role: 'user', parts: [{ functionResponse: { name, response: { output } } }] };
}

describe('function calling', () => {
  it('round trip on Gemini 3: signed functionCall → functionResponse → text quoting it', async () => {
    const first = await client.models.generateContent({
      model: gemini3,
      contents: [question],
      config: { tools },
    });
    expect(first.candidates?.[0]?.finishReason).toBe('STOP');
    const parts = first.candidates?.[0]?.content?.parts ?? [];
    expect(parts).toHaveLength(1);
    expect(parts[0]?.functionCall).toEqual({
      name: 'get_weather',
      args: { location: 'San Francisco, CA', unit: 'celsius', days: 3 },
    });
    expect(parts[0]?.thoughtSignature).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/);
    expect(first.functionCalls).toEqual([parts[0]?.functionCall]);
    expect(first.usageMetadata?.candidatesTokenCount).toBe(
      encode(JSON.stringify({ location: 'San Francisco, CA', unit: 'celsius', days: 3 })).length,
    );

    // Replaying the model turn verbatim (signature included) works.
    const second = await client.models.generateContent({
      model: gemini3,
      contents: [question, modelTurn(first), answer('get_weather', '18°C and sunny')],
      config: { tools },
    });
    expect(second.functionCalls).toBeUndefined();
    expect(second.text?.startsWith('The tool returned: 18°C and sunny.')).toBe(true);
  });

  it('rejects a Gemini 3 function call replayed without its thought signature, as documented', async () => {
    const first = await client.models.generateContent({
      model: gemini3,
      contents: [question],
      config: { tools },
    });
    const { thoughtSignature: _dropped, ...stripped } = first.candidates?.[0]?.content?.parts?.[0] ?? {};
    const error = await apiError(
      client.models.generateContent({
        model: gemini3,
        contents: [question, { role: 'model', parts: [stripped] }, answer('get_weather', 'sunny')],
        config: { tools },
      }),
    );
    expect(error.status).toBe(400);
    expect(errorBody(error).error).toEqual({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message:
        'Function call is missing a thought_signature in functionCall parts. This is required for tools to work ' +
        'correctly, and missing thought_signature may lead to degraded model performance. Additional data, ' +
        'function call `default_api:get_weather` , position 2. Please refer to ' +
        'https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
    });
  });

  it('rejects a signature that does not match its call, accepts the documented placeholder', async () => {
    const first = await client.models.generateContent({
      model: gemini3,
      contents: [question],
      config: { tools },
    });
    const part = first.candidates?.[0]?.content?.parts?.[0] ?? {};
    const edited = {
      ...part,
      functionCall: { name: 'get_weather', args: { location: 'Oslo', unit: 'celsius', days: 3 } },
    };
    const error = await apiError(
      client.models.generateContent({
        model: gemini3,
        contents: [question, { role: 'model', parts: [edited] }, answer('get_weather', 'cold')],
        config: { tools },
      }),
    );
    expect(error.status).toBe(400);
    expect(errorBody(error).error.message).toBe('Corrupted thought signature.');

    const placeholder = { ...edited, thoughtSignature: 'skip_thought_signature_validator' };
    const accepted = await client.models.generateContent({
      model: gemini3,
      contents: [question, { role: 'model', parts: [placeholder] }, answer('get_weather', 'cold')],
      config: { tools },
    });
    expect(accepted.text?.startsWith('The tool returned: cold.')).toBe(true);

    // Only the current turn is validated: an unsigned call from an earlier turn passes.
    const later = await client.models.generateContent({
      model: gemini3,
      contents: [
        question,
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: {} } }] },
        answer('get_weather', 'cold'),
        { role: 'model', parts: [{ text: 'It is cold.' }] },
        { role: 'user', parts: [{ text: 'Thanks [[sim:no_tool]]' }] },
      ],
      config: { tools },
    });
    expect(later.functionCalls).toBeUndefined();
  });

  it('signs on 2.5 only while thinking, and does not validate there', async () => {
    const thinking = await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [question],
      config: { tools },
    });
    expect(thinking.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toBeDefined();
    const off = await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [question],
      config: { tools, thinkingConfig: { thinkingBudget: 0 } },
    });
    const part = off.candidates?.[0]?.content?.parts?.[0];
    expect(part?.functionCall?.name).toBe('get_weather');
    expect(part?.thoughtSignature).toBeUndefined();
    const next = await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [question, modelTurn(off), answer('get_weather', 'mild')],
      config: { tools },
    });
    expect(next.text?.startsWith('The tool returned: mild.')).toBe(true);
  });

  it('streams a function call whole, with its signature', async () => {
    const chunks: GenerateContentResponse[] = [];
    const stream = await client.models.generateContentStream({
      model: gemini3,
      contents: [question],
      config: { tools },
    });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
    const part = chunks[0]?.candidates?.[0]?.content?.parts?.[0];
    expect(part?.functionCall?.args).toEqual({ location: 'San Francisco, CA', unit: 'celsius', days: 3 });
    expect(part?.thoughtSignature).toBeDefined();
    expect(chunks[0]?.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('modes: ANY calls (the allowed function), NONE answers in text, AUTO skips with [[sim:no_tool]]', async () => {
    const forced = await client.models.generateContent({
      model: gemini3,
      contents: [
        question,
        { role: 'model', parts: [{ text: 'Let me see.' }] },
        { role: 'user', parts: [{ text: 'Go.' }] },
      ],
      config: {
        tools,
        toolConfig: {
          functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] },
        },
      },
    });
    expect(forced.functionCalls).toEqual([{ name: 'get_time', args: { timezone: 'example' } }]);

    const none = await client.models.generateContent({
      model: gemini3,
      contents: [question],
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
    });
    expect(none.functionCalls).toBeUndefined();
    expect(encode(none.text ?? '')).toHaveLength(30);

    const skipped = await client.models.generateContent({
      model: gemini3,
      contents: 'Just chat [[sim:no_tool]]',
      config: { tools },
    });
    expect(skipped.functionCalls).toBeUndefined();
  });

  it('enforces the function turn rules in the API wording', async () => {
    const call: Content = {
      role: 'model',
      parts: [
        {
          functionCall: { name: 'get_weather', args: {} },
          thoughtSignature: 'skip_thought_signature_validator',
        },
      ],
    };
    const orphan = await apiError(
      client.models.generateContent({
        model: gemini3,
        contents: [question, answer('get_weather', 'x')],
        config: { tools },
      }),
    );
    expect(errorBody(orphan).error.message).toBe(
      'Please ensure that function response turn comes immediately after a function call turn.',
    );
    const twice: Content = {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { output: 'a' } } },
        { functionResponse: { name: 'get_weather', response: { output: 'b' } } },
      ],
    };
    const mismatch = await apiError(
      client.models.generateContent({ model: gemini3, contents: [question, call, twice], config: { tools } }),
    );
    expect(errorBody(mismatch).error.message).toBe(
      'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
    );
    const first = await apiError(
      client.models.generateContent({ model: gemini3, contents: [call], config: { tools } }),
    );
    expect(errorBody(first).error.message).toBe(
      'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
    );
  });

  it('rejects JSON Schema keywords in the OpenAPI-subset parameters, as the proto parser does', async () => {
    const response = await postGemini(sim, `/v1beta/models/${gemini3}:generateContent`, {
      contents: [question],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'lookup',
              parameters: {
                type: 'dictionary',
                properties: { q: { type: 'STRING', additionalProperties: false } },
                additionalProperties: false,
              },
            },
          ],
        },
      ],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; details: unknown[] } };
    expect(body.error.message).toBe(
      [
        'Invalid value at \'tools[0].function_declarations[0].parameters.type\' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "dictionary"',
        'Invalid JSON payload received. Unknown name "additionalProperties" at \'tools[0].function_declarations[0].parameters.properties[0].value\': Cannot find field.',
        'Invalid JSON payload received. Unknown name "additionalProperties" at \'tools[0].function_declarations[0].parameters\': Cannot find field.',
      ].join('\n'),
    );
    expect(body.error.details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: expect.arrayContaining([
          {
            field: 'tools[0].function_declarations[0].parameters',
            description:
              'Invalid JSON payload received. Unknown name "additionalProperties" at \'tools[0].function_declarations[0].parameters\': Cannot find field.',
          },
        ]),
      },
    ]);

    // Enum names are case-insensitive: `@ai-sdk/google` sends lowercase types, with `ref`/`defs`.
    const aiSdk = await postGemini(sim, `/v1beta/models/${gemini3}:generateContent`, {
      contents: [question],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'lookup',
              parameters: {
                type: 'object',
                properties: { place: { ref: '#/defs/Place' } },
                required: ['place'],
                defs: {
                  Place: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
                },
              },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'any' } },
    });
    expect(aiSdk.status).toBe(200);
    const called = (await aiSdk.json()) as GenerateContentResponse;
    expect(called.candidates?.[0]?.content?.parts?.[0]?.functionCall).toEqual({
      name: 'lookup',
      args: { place: { city: 'San Francisco, CA' } },
    });

    const empty = await postGemini(sim, `/v1beta/models/${gemini3}:generateContent`, {
      contents: [question],
      tools: [{ function_declarations: [{ name: 'noop', parameters: { type: 'OBJECT', properties: {} } }] }],
    });
    expect(((await empty.json()) as { error: { message: string } }).error.message).toBe(
      '* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties: should be non-empty for OBJECT type\n',
    );
  });
});
