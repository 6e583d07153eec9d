import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, postgresUrl } from '../../test/helpers/databases.ts';
import { sqlArray, sqlArrayColumn } from './sql-array.ts';
import type { Database } from './types.ts';

describe.runIf(postgresUrl)('array literals on PostgreSQL', () => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  it('reads back every value as given: quotes, backslashes, braces, commas, the word NULL, empty, numbers', async () => {
    db = await freshDatabase('postgres');
    const texts = [
      'plain',
      'say "hi"',
      'back\\slash',
      '{braces}, commas',
      'NULL',
      '',
      "it's",
      null,
      ' spaced ',
    ];
    const row = await db.get<{ t: (string | null)[]; n: number[] }>(
      'SELECT ?::text[] AS t, ?::bigint[] AS n',
      [sqlArray(texts), sqlArray([0, -5, 9_007_199_254_740_991])],
    );
    expect(row?.t).toEqual(texts);
    expect(row?.n.map(Number)).toEqual([0, -5, 9_007_199_254_740_991]);
    const rows = [
      ['a"b', 1],
      [null, 2],
      ['c\\', null],
    ];
    const columns = await db.get<{ t: (string | null)[]; n: (number | null)[] }>(
      'SELECT ?::text[] AS t, ?::integer[] AS n',
      [sqlArrayColumn(rows, 0), sqlArrayColumn(rows, 1)],
    );
    expect(columns).toEqual({ t: ['a"b', null, 'c\\'], n: [1, 2, null] });
  });
});
