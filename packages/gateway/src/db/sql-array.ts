import type { SqlParam } from './types.ts';

/**
 * Values as one PostgreSQL array literal (`{"a","b",NULL}`), passed as a single parameter and
 * cast in SQL (`?::text[]`, `?::bigint[]`), so a statement of many rows keeps one shape whatever
 * their number: each element double-quoted (a `"` or `\` in it escaped by a backslash), NULL bare.
 * https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
 */
export function sqlArray(values: readonly SqlParam[]): string {
  const elements = values.map((value) =>
    value === null ? 'NULL' : `"${String(value).replace(/[\\"]/g, (char) => `\\${char}`)}"`,
  );
  return `{${elements.join(',')}}`;
}
