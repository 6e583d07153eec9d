import type { Queryable, SqlParam } from './types.ts';

/** Rows per statement: a few statement shapes per table (one per count up to it), each prepared once. */
const rowsPerStatement = 16;

const texts = new Map<string, string>();

/** `head VALUES (?, …), (?, …)` for `count` rows of `width` columns, made once per shape. */
function statementText(head: string, width: number, count: number): string {
  const cacheKey = `${count}:${head}`;
  let text = texts.get(cacheKey);
  if (text === undefined) {
    const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    text = `${head} VALUES ${Array.from({ length: count }, () => row).join(', ')}`;
    texts.set(cacheKey, text);
  }
  return text;
}

/**
 * Inserts `rows` (each `width` values, in the column order `head` names: `INSERT INTO t (a, b)`)
 * as multi-row INSERTs of up to 16 rows each, in order: one statement per 16 rows rather than one
 * per row. https://www.sqlite.org/lang_insert.html
 */
export async function insertRows(
  db: Queryable,
  head: string,
  width: number,
  rows: readonly (readonly SqlParam[])[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    const params: SqlParam[] = [];
    for (const row of chunk) for (let column = 0; column < width; column++) params.push(row[column] ?? null);
    await db.run(statementText(head, width, chunk.length), params);
  }
}
