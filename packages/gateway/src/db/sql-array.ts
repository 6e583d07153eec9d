import type { SqlParam } from './types.ts';

const needsEscape = /[\\"]/;
const escaped = /[\\"]/g;

/**
 * One element of an array literal: NULL bare, a number as its digits (no quoting needed), a
 * string double-quoted (a `"` or `\` in it escaped by a backslash; most have neither, and are
 * quoted without a copy char by char).
 */
function element(value: SqlParam | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value !== 'string') return String(value);
  return needsEscape.test(value) ? `"${value.replace(escaped, '\\$&')}"` : `"${value}"`;
}

/**
 * Values as one PostgreSQL array literal (`{"a","b",NULL,5}`), passed as a single parameter and
 * cast in SQL (`?::text[]`, `?::bigint[]`), so a statement of many rows keeps one shape whatever
 * their number. https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
 */
export function sqlArray(values: readonly SqlParam[]): string {
  let text = '{';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) text += ',';
    text += element(values[index]);
  }
  return `${text}}`;
}

/** Column `column` of `rows` as one array literal (as `sqlArray` of it, without the column's copy). */
export function sqlArrayColumn(rows: readonly (readonly SqlParam[])[], column: number): string {
  let text = '{';
  for (let index = 0; index < rows.length; index++) {
    if (index > 0) text += ',';
    text += element(rows[index]![column]);
  }
  return `${text}}`;
}
