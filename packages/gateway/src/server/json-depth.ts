/**
 * Deeper than any real request (tool schemas nest a few dozen levels at most), low
 * enough that every recursive walk over a parsed body — validation, translation,
 * token counting, JSON.stringify — stays far from the stack limit.
 */
export const maxJsonDepth = 128;

/**
 * Whether JSON text nests objects/arrays deeper than `limit`: one pass over the raw
 * text, before parsing, skipping string contents (brackets inside strings do not count).
 */
export function nestsDeeperThan(text: string, limit = maxJsonDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}
