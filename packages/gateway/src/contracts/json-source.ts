/**
 * A JSON request body as it arrived: its text, and where each top-level member's value
 * sits in it, with the value JSON.parse gave that member. A body forwarded with only a few
 * top-level fields changed (the model id, an output cap) is then written by copying the
 * untouched members' text instead of serialising the whole body again
 * (`spliceJsonObject`) — for a 150 KB coding-agent body, most of its cost.
 */
export interface JsonSource {
  text: string;
  /** The body's bytes, when they index like `text` (ASCII): a splice then copies bytes, not characters. */
  bytes?: Buffer | undefined;
  /** The body's length in UTF-8 bytes. */
  byteLength: number;
  /** How many strings in the body are exactly `image_url` (a key or a part type): image parts, roughly. */
  imageParts: number;
  /** Top-level member name → [start, end) of its value in `text`, and the parsed value. */
  members: ReadonlyMap<string, { start: number; end: number; value: unknown }>;
}

export interface JsonScan {
  /** The text nests objects/arrays deeper than the limit. */
  tooDeep: boolean;
  /** Top-level member value spans, when the text is an object (last occurrence of a name wins, as in JSON.parse). */
  spans: Map<string, [number, number]> | undefined;
  /** Strings exactly `image_url`, at any depth. */
  imageParts: number;
}

/**
 * One pass over JSON text: its nesting depth against `limit`, and the spans of the
 * top-level object's member values. It jumps from one structural character to the next (a
 * native regex scan, `indexOf` to a string's closing quote) instead of visiting every
 * character: a coding-agent body is mostly string content. Text that is not valid JSON
 * gives meaningless spans; callers use them only after JSON.parse accepted the text.
 * https://www.rfc-editor.org/rfc/rfc8259#section-2
 */
export function scanJson(text: string, limit: number): JsonScan {
  const structural = /["[\]{}:,]/g;
  let depth = 0;
  const spans = new Map<string, [number, number]>();
  let isObject = false;
  let key: string | undefined;
  let valueStart = -1;
  let imageParts = 0;
  // `test`, not `exec`: no match array per structural character (most of the scan's garbage);
  // the one-character match ends at lastIndex.
  while (structural.test(text)) {
    const at = structural.lastIndex - 1;
    const code = text.charCodeAt(at);
    if (code === 0x22) {
      const end = closingQuote(text, at);
      if (end === -1) break; // unterminated: JSON.parse will say so
      if (depth === 1 && valueStart === -1) key = memberName(text, at, end);
      if (end - at === 10 && text.startsWith('image_url', at + 1)) imageParts++;
      structural.lastIndex = end + 1;
    } else if (code === 0x7b || code === 0x5b) {
      if (depth === 0) isObject = code === 0x7b;
      if (++depth > limit) return { tooDeep: true, spans: undefined, imageParts };
    } else if (code === 0x7d || code === 0x5d) {
      if (depth === 1 && key !== undefined && valueStart !== -1)
        spans.set(key, trimmed(text, valueStart, at));
      depth--;
    } else if (depth === 1) {
      if (code === 0x3a) valueStart = at + 1;
      else if (key !== undefined && valueStart !== -1) {
        spans.set(key, trimmed(text, valueStart, at));
        key = undefined;
        valueStart = -1;
      }
    }
  }
  return { tooDeep: false, spans: isObject ? spans : undefined, imageParts };
}

/** The quote that closes the string opened at `open`: the next one not escaped by a backslash. */
function closingQuote(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

function memberName(text: string, open: number, close: number): string | undefined {
  const raw = text.slice(open + 1, close);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(text.slice(open, close + 1)) as string;
  } catch {
    return undefined;
  }
}

const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

function trimmed(text: string, start: number, end: number): [number, number] {
  let from = start;
  let to = end;
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  return [from, to];
}

/** The source of a parsed body: its spans paired with the values JSON.parse gave them. */
export function jsonSource(
  text: string,
  scan: JsonScan,
  parsed: unknown,
  bytes?: Buffer,
): JsonSource | undefined {
  const spans = scan.spans;
  if (!spans || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const members = new Map<string, { start: number; end: number; value: unknown }>();
  for (const [name, [start, end]] of spans) members.set(name, { start, end, value: record[name] });
  return {
    text,
    bytes: bytes?.length === text.length ? bytes : undefined,
    byteLength: bytes?.length ?? Buffer.byteLength(text),
    imageParts: scan.imageParts,
    members,
  };
}

/**
 * `JSON.stringify(object)` for an object made from a parsed body by changing some top-level
 * members: a member whose value is still the one parsed from `source` is copied from the
 * source text; the others are serialised. Nested values must not have been changed in
 * place (nothing on the proxy path does; a provider quirk that rewrites the body takes the
 * plain `JSON.stringify` path).
 */
export function spliceJsonObject(object: Record<string, unknown>, source: JsonSource): string {
  return pieces(object, source)
    .map((piece) => (typeof piece === 'string' ? piece : source.text.slice(piece[0], piece[1])))
    .join('');
}

const bytesSpliceFrom = 16 * 1024;

/**
 * `spliceJsonObject` as bytes when the source's bytes index like its text: the copied members
 * are byte ranges of what the client sent, so nothing of them is encoded to UTF-8 again.
 */
export function spliceJsonBody(object: Record<string, unknown>, source: JsonSource): string | Buffer {
  const bytes = source.bytes;
  // Small bodies: one string beats a handful of small buffers.
  if (!bytes || bytes.length < bytesSpliceFrom) return spliceJsonObject(object, source);
  return Buffer.concat(
    pieces(object, source).map((piece) =>
      typeof piece === 'string' ? Buffer.from(piece) : bytes.subarray(piece[0], piece[1]),
    ),
  );
}

/** The output as new text and [start, end) ranges of the source to copy. */
function pieces(object: Record<string, unknown>, source: JsonSource): Array<string | [number, number]> {
  const out: Array<string | [number, number]> = [];
  let pending = '{';
  for (const name of Object.keys(object)) {
    const value = object[name];
    const member = source.members.get(name);
    const copied = member !== undefined && member.value === value && value !== undefined;
    const text = copied ? undefined : JSON.stringify(value);
    if (!copied && text === undefined) continue;
    pending += `${out.length === 0 && pending === '{' ? '' : ','}${JSON.stringify(name)}:`;
    if (copied) {
      out.push(pending, [member.start, member.end]);
      pending = '';
    } else pending += text;
  }
  out.push(`${pending}}`);
  return out;
}
