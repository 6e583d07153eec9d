import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../json.ts';

const VERSION = 0x12;
const KIND = { call: 1, text: 2 } as const;
const MAC_BYTES = 32;

/**
 * The documented placeholders that skip validation, for histories that come from another model
 * or were built by hand.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures#faqs
 */
export const DUMMY_SIGNATURES: ReadonlySet<string> = new Set([
  'skip_thought_signature_validator',
  'context_engineering_is_the_way_to_go',
]);

/**
 * Thought signatures: opaque base64 that the simulator can check when it comes back. A call's
 * signature is an HMAC of the function name and its arguments (keys sorted, so re-serializing
 * the arguments keeps it valid), so a signature moved to another call, or arguments edited in
 * between, fail as a forged signature would upstream.
 */
export class ThoughtSigner {
  readonly #key = createHmac('sha256', 'upstream-sim gemini thought signature').update('google').digest();

  signCall(name: string, args: Record<string, unknown>): string {
    return this.#sign(KIND.call, callMaterial(name, args));
  }

  /** Signatures on text parts are returned but, as upstream, not validated when replayed. */
  signText(text: string): string {
    return this.#sign(KIND.text, text);
  }

  verifyCall(name: string, args: Record<string, unknown>, signature: string): boolean {
    if (DUMMY_SIGNATURES.has(signature)) return true;
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== 2 + MAC_BYTES || bytes[0] !== VERSION || bytes[1] !== KIND.call) return false;
    return timingSafeEqual(bytes.subarray(2), this.#mac(KIND.call, callMaterial(name, args)));
  }

  #sign(kind: number, material: string): string {
    return Buffer.concat([Buffer.from([VERSION, kind]), this.#mac(kind, material)]).toString('base64');
  }

  #mac(kind: number, material: string): Buffer {
    return createHmac('sha256', this.#key).update(String(kind)).update('\0').update(material).digest();
  }
}

function callMaterial(name: string, args: Record<string, unknown>): string {
  return `${name}\0${canonicalJson(args)}`;
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
