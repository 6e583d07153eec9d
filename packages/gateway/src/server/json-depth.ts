/**
 * Deeper than any real request (tool schemas nest a few dozen levels at most), low
 * enough that every recursive walk over a parsed body — validation, translation,
 * token counting, JSON.stringify — stays far from the stack limit.
 */
export const maxJsonDepth = 128;

/**
 * Whether JSON text nests objects/arrays deeper than `limit`: one pass over the raw
 * text, before parsing, skipping string contents (brackets inside strings do not count).
 * It jumps from one structural character to the next (a native regex scan, and
 * `indexOf` to a string's closing quote) instead of visiting every character: a
 * 150 KB coding-agent body is mostly string content.
 */
export function nestsDeeperThan(text: string, limit = maxJsonDepth): boolean {
  const structural = /["[\]{}]/g;
  let depth = 0;
  for (let match = structural.exec(text); match !== null; match = structural.exec(text)) {
    const code = text.charCodeAt(match.index);
    if (code === 0x22) {
      const end = closingQuote(text, match.index);
      if (end === -1) return false; // unterminated: JSON.parse will say so
      structural.lastIndex = end + 1;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else depth--;
  }
  return false;
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
