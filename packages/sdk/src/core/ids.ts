/**
 * A random Idempotency-Key. `crypto.randomUUID` exists only in secure contexts in browsers
 * (https://developer.mozilla.org/en-US/docs/Web/API/Crypto/randomUUID), so fall back to
 * `getRandomValues`, which exists everywhere fetch does.
 */
export function newIdempotencyKey(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return `sdk-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `sdk-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
