import { scanJson } from '../contracts/json-source.ts';

/**
 * Deeper than any real request (tool schemas nest a few dozen levels at most), low
 * enough that every recursive walk over a parsed body — validation, translation,
 * token counting, JSON.stringify — stays far from the stack limit.
 */
export const maxJsonDepth = 128;

/** Whether JSON text nests objects/arrays deeper than `limit` (skipping string contents). */
export function nestsDeeperThan(text: string, limit = maxJsonDepth): boolean {
  return scanJson(text, limit).tooDeep;
}
