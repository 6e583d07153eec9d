import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { applyGenerationConfig, showsThoughts } from './generation-config.ts';

// generationConfig examples from the text-generation, structured-output, thinking and
// safety-settings docs (https://ai.google.dev/gemini-api/docs/text-generation,
// …/structured-output, …/thinking, …/safety-settings); expected shapes those of the
// Chat Completions reference.
const ask = (text: string): Json => ({ role: 'user', parts: [{ text }] });
const request = (fields: Json): Json => ({ contents: [ask('How does AI work?')], ...fields });

const rows: Array<{ name: string; body: Json; expected: Json }> = [
  {
    name: 'generationConfig: stopSequences, temperature, maxOutputTokens, topP; topK dropped',
    body: request({
      generationConfig: {
        stopSequences: ['Title'],
        temperature: 1.0,
        maxOutputTokens: 800,
        topP: 0.8,
        topK: 10,
      },
    }),
    expected: { stop: ['Title'], temperature: 1.0, max_tokens: 800, top_p: 0.8 },
  },
  {
    name: 'candidateCount → n; penalties and seed kept',
    body: request({
      generationConfig: { candidateCount: 2, presencePenalty: 0.5, frequencyPenalty: 0.2, seed: 7 },
    }),
    expected: { n: 2, presence_penalty: 0.5, frequency_penalty: 0.2, seed: 7 },
  },
  {
    name: 'safetySettings and serviceTier dropped',
    body: request({
      safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_LOW_AND_ABOVE' }],
      serviceTier: 'standard',
    }),
    expected: {},
  },
  {
    name: 'structured output: responseSchema (OpenAPI subset) → json_schema',
    body: {
      contents: [ask('List a few popular cookie recipes, and include the amounts of ingredients.')],
      generationConfig: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: 'ARRAY',
          items: {
            type: 'OBJECT',
            properties: {
              recipeName: { type: 'STRING' },
              ingredients: { type: 'ARRAY', items: { type: 'STRING' } },
            },
            propertyOrdering: ['recipeName', 'ingredients'],
          },
        },
      },
    },
    expected: {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'response',
          schema: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                recipeName: { type: 'string' },
                ingredients: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
  {
    name: 'responseJsonSchema passes as is',
    body: request({
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object', additionalProperties: false },
      },
    }),
    expected: {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'response', schema: { type: 'object', additionalProperties: false } },
      },
    },
  },
  {
    name: 'application/json without a schema → json_object; text/plain → nothing',
    body: request({ generationConfig: { responseMimeType: 'application/json' } }),
    expected: { response_format: { type: 'json_object' } },
  },
  {
    name: 'thinkingBudget 1024 → low (includeThoughts is for the answer)',
    body: request({ generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } }),
    expected: { reasoning_effort: 'low' },
  },
  {
    name: 'thinkingBudget 8192 → medium',
    body: request({ generationConfig: { thinkingConfig: { thinkingBudget: 8192 } } }),
    expected: { reasoning_effort: 'medium' },
  },
  {
    name: 'thinkingBudget 24576 → high',
    body: request({ generationConfig: { thinkingConfig: { thinkingBudget: 24576 } } }),
    expected: { reasoning_effort: 'high' },
  },
  {
    name: 'thinkingBudget 0 turns thinking off → none',
    body: request({ generationConfig: { thinkingConfig: { thinkingBudget: 0 } } }),
    expected: { reasoning_effort: 'none' },
  },
  {
    name: 'thinkingBudget -1 (automatic) → upstream default',
    body: request({ generationConfig: { thinkingConfig: { thinkingBudget: -1 } } }),
    expected: {},
  },
  {
    name: 'thinkingLevel "low" (REST spelling) → low',
    body: request({ generationConfig: { thinkingConfig: { thinkingLevel: 'low' } } }),
    expected: { reasoning_effort: 'low' },
  },
  {
    name: 'thinkingLevel HIGH → high, enum to enum',
    body: request({ generationConfig: { thinkingConfig: { thinkingLevel: 'HIGH', includeThoughts: true } } }),
    expected: { reasoning_effort: 'high' },
  },
];

/** applyGenerationConfig on an empty chat body: what it adds. */
function translate(body: Json): Json {
  const chat: Json = {};
  applyGenerationConfig(chat, body);
  return chat;
}

describe('applyGenerationConfig', () => {
  it.each(rows)('$name', ({ body, expected }) => {
    expect(translate(body)).toEqual(expected);
  });

  it('shows thoughts only when includeThoughts is true', () => {
    expect(showsThoughts(request({ generationConfig: { thinkingConfig: { includeThoughts: true } } }))).toBe(
      true,
    );
    expect(showsThoughts(request({ generationConfig: { thinkingConfig: { thinkingBudget: 1024 } } }))).toBe(
      false,
    );
  });

  const refusals: Array<{ name: string; body: Json; param: string }> = [
    {
      name: 'IMAGE output',
      body: request({ generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } }),
      param: 'generationConfig.responseModalities',
    },
    {
      name: 'enum MIME type',
      body: request({ generationConfig: { responseMimeType: 'text/x.enum' } }),
      param: 'generationConfig.responseMimeType',
    },
    {
      name: 'an unknown thinking level',
      body: request({ generationConfig: { thinkingConfig: { thinkingLevel: 'EXTREME' } } }),
      param: 'generationConfig.thinkingConfig.thinkingLevel',
    },
  ];

  it.each(refusals)('refuses $name with a 400 naming $param', ({ body, param }) => {
    let caught: unknown;
    try {
      translate(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 400, code: 'invalid_request', param });
  });
});
