import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../json.ts';

// Fixed, so content sealed by one simulator opens on another, as it does across OpenAI's servers.
const KEY = 'upstream-sim/openai-responses/encrypted-reasoning/v1';
// Real encrypted content is a Fernet token, which always starts like this.
const PREFIX = 'gAAAAA';

export interface SealedReasoning {
  /** Hidden reasoning tokens the item stands for; they count as input when the item is replayed. */
  tokens: number;
  /** Seed of the reasoning, so a replay can be told apart from another item of the same size. */
  seed: number;
}

/**
 * `encrypted_content` of a reasoning item (`include: ["reasoning.encrypted_content"]`): opaque to
 * the client and authenticated, so an edited or foreign value is rejected on replay as upstream.
 */
export function sealReasoning(reasoning: SealedReasoning): string {
  const payload = JSON.stringify({ t: reasoning.tokens, s: reasoning.seed });
  return PREFIX + Buffer.from(`${payload}.${mac(payload)}`).toString('base64url');
}

export function openReasoning(sealed: string): SealedReasoning | undefined {
  if (!sealed.startsWith(PREFIX)) return undefined;
  const text = Buffer.from(sealed.slice(PREFIX.length), 'base64url').toString('utf8');
  const cut = text.lastIndexOf('.');
  if (cut === -1) return undefined;
  const payload = text.slice(0, cut);
  const expected = Buffer.from(mac(payload));
  const given = Buffer.from(text.slice(cut + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  // A valid MAC vouches for the payload, which was written by sealReasoning.
  const parsed: unknown = JSON.parse(payload);
  if (!isRecord(parsed) || typeof parsed['t'] !== 'number' || typeof parsed['s'] !== 'number')
    return undefined;
  return { tokens: parsed['t'], seed: parsed['s'] };
}

/** How the API quotes the content in its error: the first and last four characters. */
export function abbreviate(sealed: string): string {
  return sealed.length <= 8 ? sealed : `${sealed.slice(0, 4)}...${sealed.slice(-4)}`;
}

function mac(payload: string): string {
  return createHmac('sha256', KEY).update(payload).digest('base64url');
}
