import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 1;
const MAC_BYTES = 32;

/**
 * Thinking signatures: opaque base64 that only a simulator of the same family accepts back, as a
 * real signature only verifies with the provider (and key family) that issued it. The MAC covers
 * the thinking text exactly as returned, so any edit to it or to the signature is caught.
 */
export class ThinkingSigner {
  readonly #key: Buffer;

  constructor(family: string) {
    this.#key = createHmac('sha256', 'upstream-sim thinking signature').update(family).digest();
  }

  sign(thinking: string): string {
    return Buffer.concat([Buffer.from([VERSION]), this.#mac(thinking)]).toString('base64');
  }

  verify(thinking: string, signature: string): boolean {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== 1 + MAC_BYTES || bytes[0] !== VERSION) return false;
    return timingSafeEqual(bytes.subarray(1), this.#mac(thinking));
  }

  #mac(thinking: string): Buffer {
    return createHmac('sha256', this.#key).update(thinking).digest();
  }
}
