import type { Json } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';

/**
 * Gemini's `thoughtSignature` in chat: Google's OpenAI-compatible endpoint puts it in
 * `extra_content.google.thought_signature` — on each tool call, and on the message
 * (or stream delta) for a text answer. Vertex AI's endpoint uses a `vertex` namespace
 * instead; both are read, `google` is written (the Gemini API's own endpoint).
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures#openai
 */
export function signatureOf(carrier: unknown): string | undefined {
  const extra = obj(obj(carrier)['extra_content']);
  for (const namespace of ['google', 'vertex'] as const) {
    const signature = obj(extra[namespace])['thought_signature'];
    if (typeof signature === 'string' && signature.length > 0) return signature;
  }
  return undefined;
}

/** The chat field carrying `signature`, to spread into a tool call or message; nothing without one. */
export const signatureField = (signature: unknown): Json =>
  typeof signature === 'string' && signature.length > 0
    ? { extra_content: { google: { thought_signature: signature } } }
    : {};
