import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { chatErrorToGemini, renderGeminiError, renderGeminiStreamError } from './error.ts';

const errorInfo = (reason: string, metadata: Json = {}): Json => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'hypereal',
  metadata,
});

// HTTP status ↔ google.rpc status names per the Gemini troubleshooting table
// (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes).
const rows: Array<{ error: GatewayError; status: number; googleStatus: string }> = [
  { error: new GatewayError('invalid_json'), status: 400, googleStatus: 'INVALID_ARGUMENT' },
  { error: new GatewayError('invalid_api_key'), status: 401, googleStatus: 'UNAUTHENTICATED' },
  { error: new GatewayError('insufficient_credits'), status: 402, googleStatus: 'RESOURCE_EXHAUSTED' },
  { error: new GatewayError('forbidden'), status: 403, googleStatus: 'PERMISSION_DENIED' },
  { error: new GatewayError('not_found'), status: 404, googleStatus: 'NOT_FOUND' },
  { error: new GatewayError('payload_too_large'), status: 413, googleStatus: 'INVALID_ARGUMENT' },
  { error: new GatewayError('rate_limited'), status: 429, googleStatus: 'RESOURCE_EXHAUSTED' },
  { error: new GatewayError('internal_error'), status: 500, googleStatus: 'INTERNAL' },
  { error: new GatewayError('upstream_error'), status: 502, googleStatus: 'UNAVAILABLE' },
  { error: new GatewayError('upstream_unavailable'), status: 503, googleStatus: 'UNAVAILABLE' },
  { error: new GatewayError('upstream_timeout'), status: 504, googleStatus: 'DEADLINE_EXCEEDED' },
];

describe('renderGeminiError', () => {
  it.each(rows)('$error.code → $status $googleStatus', ({ error, status, googleStatus }) => {
    expect(renderGeminiError(error)).toEqual({
      status,
      body: {
        error: {
          code: status,
          message: error.message,
          status: googleStatus,
          type: error.type,
          details: [errorInfo(error.code.toUpperCase())],
        },
      },
    });
  });

  it('names the field of a 400 as Google does, and keeps our extra details', () => {
    const error = new GatewayError('unknown_model', {
      param: 'model',
      message: 'Unknown model gemini-9.',
      details: { available_models: ['gemini-3.1-pro'] },
    });
    expect(renderGeminiError(error).body).toEqual({
      error: {
        code: 400,
        message: 'Unknown model gemini-9.',
        status: 'INVALID_ARGUMENT',
        type: 'invalid_request_error',
        available_models: ['gemini-3.1-pro'],
        details: [
          errorInfo('UNKNOWN_MODEL', { param: 'model' }),
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'model', description: 'Unknown model gemini-9.' }],
          },
        ],
      },
    });
  });

  it("gives a 429's Retry-After as RetryInfo, which gemini-cli waits for", () => {
    const error = new GatewayError('rate_limited', { headers: { 'retry-after': '12' } });
    const details = (renderGeminiError(error).body as { error: { details: Json[] } }).error.details;
    expect(details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '12s',
    });
  });

  it('frames a mid-stream error as one SSE data event', () => {
    const event = renderGeminiStreamError(new GatewayError('upstream_timeout'));
    expect(event.endsWith('\n\n')).toBe(true);
    expect(JSON.parse(event.slice('data: '.length))).toEqual(
      renderGeminiError(new GatewayError('upstream_timeout')).body,
    );
  });
});

// In-stream error objects as chat upstreams send them: OpenAI's
// (https://platform.openai.com/docs/guides/error-codes/api-errors)
// and Google's OpenAI-compatible endpoint, which sends Google's own code and status.
const chatErrors: Array<{ name: string; error: Json; code: number; status: string; type: string }> = [
  {
    name: 'OpenAI rate limit',
    error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    type: 'requests',
  },
  {
    name: 'OpenAI context length',
    error: { message: 'Too long', type: 'invalid_request_error', code: 'context_length_exceeded' },
    code: 400,
    status: 'INVALID_ARGUMENT',
    type: 'invalid_request_error',
  },
  {
    name: "Google's own envelope",
    error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' },
    code: 503,
    status: 'UNAVAILABLE',
    type: 'upstream_error',
  },
  {
    name: 'anything else',
    error: { message: 'boom', type: 'server_error', code: null },
    code: 500,
    status: 'INTERNAL',
    type: 'server_error',
  },
];

describe('chatErrorToGemini', () => {
  it.each(chatErrors)('$name → $code $status', ({ error, code, status, type }) => {
    expect(chatErrorToGemini(error)).toEqual({ error: { code, message: error['message'], status, type } });
  });
});
