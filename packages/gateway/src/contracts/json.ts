/** A JSON object as read off the wire: every field unknown until a reader checks it. */
export type Json = Record<string, unknown>;

/**
 * The one typed reader for a JSON object on the wire (an SSE event's data, an upstream
 * body): the object, or undefined for anything else — invalid JSON, an array, a scalar.
 */
export function parseJsonObject(text: string): Json | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}
