import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { parseGeminiRequest } from './request.ts';

// Bodies as @google/genai sends them (https://ai.google.dev/api/generate-content#request-body):
// contents, generationConfig, no model.
const contents = [{ role: 'user', parts: [{ text: 'Explain how AI works in a few words' }] }];

describe('parseGeminiRequest', () => {
  it('takes the model from the path, the output cap and candidates from generationConfig', () => {
    const body = {
      contents,
      generationConfig: { maxOutputTokens: 800, candidateCount: 2, thinkingConfig: { thinkingBudget: 0 } },
    };
    expect(parseGeminiRequest(body, 'gemini-2.5-flash', true)).toEqual({
      body,
      model: 'gemini-2.5-flash',
      stream: true,
      maxOutputTokens: 800,
      choices: 2,
    });
  });

  it('defaults to one candidate and no cap, and keeps unknown fields', () => {
    const body = { contents, safetySettings: [], labels: { team: 'a' }, futureField: 1 };
    expect(parseGeminiRequest(body, 'm', false)).toEqual({
      body,
      model: 'm',
      stream: false,
      maxOutputTokens: undefined,
      choices: 1,
    });
  });

  it('lets an empty model turn through (the SDK records one after an empty answer)', () => {
    const body = { contents: [...contents, { role: 'model', parts: [] }] };
    expect(parseGeminiRequest(body, 'm', false).body).toBe(body);
  });

  const invalid: Array<{ name: string; json: unknown; model?: string; code: string; param: string | null }> =
    [
      { name: 'a non-object body', json: [contents], code: 'invalid_request', param: null },
      { name: 'no model in the path', json: { contents }, model: '', code: 'missing_model', param: 'model' },
      { name: 'no contents', json: {}, code: 'invalid_request', param: 'contents' },
      { name: 'empty contents', json: { contents: [] }, code: 'invalid_request', param: 'contents' },
      {
        name: 'a string part',
        json: { contents: [{ role: 'user', parts: ['hi'] }] },
        code: 'invalid_request',
        param: 'contents.0.parts.0',
      },
      {
        name: 'a negative output cap',
        json: { contents, generationConfig: { maxOutputTokens: -1 } },
        code: 'invalid_request',
        param: 'generationConfig.maxOutputTokens',
      },
      {
        name: 'zero candidates',
        json: { contents, generationConfig: { candidateCount: 0 } },
        code: 'invalid_request',
        param: 'generationConfig.candidateCount',
      },
    ];

  it.each(invalid)('refuses $name with a 400 naming the field', ({ json, model, code, param }) => {
    let caught: unknown;
    try {
      parseGeminiRequest(json, model ?? 'gemini-2.5-flash', false);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught as Json).toMatchObject({ status: 400, code, param });
  });
});
