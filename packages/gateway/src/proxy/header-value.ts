/**
 * A value that can always be written as an HTTP header: visible ASCII as is, anything
 * else (a model id in another script, a control character) percent-encoded. Node refuses
 * to write other bytes, and a refusal after the upstream answered would be a failed call
 * the upstream already did the work for.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.5
 */
export function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
