import { describe, expect, it } from 'vitest';
import { chatRequestSchema, parseChatRequest } from './request.ts';

const ok = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

/** Bodies on both sides of every rule the schema has (the hand check must never accept more). */
const bodies: unknown[] = [
  ok,
  { ...ok, messages: [] },
  { ...ok, messages: 'hi' },
  { ...ok, messages: [null] },
  { ...ok, messages: [[]] },
  { ...ok, messages: [{ role: '', content: 'x' }] },
  { ...ok, messages: [{ role: 7, content: 'x' }] },
  { ...ok, messages: [{ content: 'x' }] },
  { ...ok, messages: [{ role: 'user' }] },
  { ...ok, messages: [{ role: 'user', content: null }] },
  { ...ok, messages: [{ role: 'user', content: 5 }] },
  { ...ok, messages: [{ role: 'user', content: { text: 'x' } }] },
  { ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
  { ...ok, messages: [{ role: 'user', content: [null] }] },
  { ...ok, messages: [{ role: 'user', content: ['x'] }] },
  { ...ok, messages: [{ role: 'user', content: [[]] }] },
  { ...ok, stream: true, stream_options: { include_usage: true } },
  { ...ok, stream: 'yes' },
  { ...ok, stream: null, stream_options: null },
  { ...ok, stream_options: { include_usage: 'yes' } },
  { ...ok, stream_options: [] },
  { ...ok, stream_options: 1 },
  { ...ok, n: 1 },
  { ...ok, n: 128 },
  { ...ok, n: 0 },
  { ...ok, n: 129 },
  { ...ok, n: 1.5 },
  { ...ok, n: '2' },
  { ...ok, max_tokens: 1, max_completion_tokens: 9_007_199_254_740_991 },
  { ...ok, max_tokens: 0 },
  { ...ok, max_tokens: -3 },
  { ...ok, max_tokens: 2.5 },
  { ...ok, max_tokens: 9_007_199_254_740_992 },
  { ...ok, max_completion_tokens: '64' },
  { ...ok, max_completion_tokens: null, unknown_field: { kept: true } },
];

describe('parseChatRequest', () => {
  it('accepts exactly what the schema accepts, and reads the same fields', () => {
    for (const body of bodies) {
      const copy = structuredClone(body) as Record<string, unknown>;
      const schema = chatRequestSchema.safeParse(copy);
      let parsed: ReturnType<typeof parseChatRequest> | undefined;
      try {
        parsed = parseChatRequest(copy);
      } catch {
        parsed = undefined;
      }
      expect({ body, accepted: parsed !== undefined }).toEqual({ body, accepted: schema.success });
      if (!parsed || !schema.success) continue;
      expect(parsed.body).toBe(copy);
      expect(parsed).toMatchObject({
        model: schema.data.model,
        stream: schema.data.stream === true,
        clientWantsUsage: schema.data.stream_options?.include_usage === true,
        choices: schema.data.n ?? 1,
        maxOutputTokens: schema.data.max_completion_tokens ?? schema.data.max_tokens ?? undefined,
      });
    }
  });

  it('names the field the schema finds wrong', () => {
    expect(() => parseChatRequest({ ...ok, n: 0 })).toThrow(/Invalid field n:/);
    expect(() => parseChatRequest({ ...ok, messages: [{ role: 'user', content: [null] }] })).toThrow(
      /Invalid field messages\.0\.content/,
    );
  });
});
