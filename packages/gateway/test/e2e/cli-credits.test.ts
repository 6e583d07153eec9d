import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { runCli } from '../helpers/run-cli.ts';

const bin = join(import.meta.dirname, '../../bin/hypereal.js');

describe('item 12: `hypereal credits` — grants are top-ups (≥ 200), corrections are noted adjustments', () => {
  const dataDir = tempDir();
  const hypereal = (...args: string[]) =>
    runCli(process.execPath, [bin, ...args], { env: { HYPEREAL_DATA_DIR: dataDir }, cwd: dataDir });

  beforeAll(async () => {
    expect((await hypereal('users', 'create', '--email', 'cli@example.com')).code).toBe(0);
  }, 60_000);

  it('refuses grants below the minimum top-up and negative grants', async () => {
    for (const credits of ['--credits=5', '--credits=-5', '--credits=199.99']) {
      const result = await hypereal('credits', 'grant', '--user', 'cli@example.com', credits);
      expect(result.code, credits).not.toBe(0);
      expect(result.stderr).toMatch(/at least 200 credits/);
    }
    const granted = await hypereal('credits', 'grant', '--user', 'cli@example.com', '--credits', '250');
    expect(granted.code).toBe(0);
    expect(granted.stdout).toContain('balance 250');
  }, 60_000);

  it('adjusts by any amount with a note, recorded as its own ledger kind', async () => {
    const unexplained = await hypereal('credits', 'adjust', '--user', 'cli@example.com', '--credits=-5');
    expect(unexplained.code).not.toBe(0);
    const adjusted = await hypereal(
      'credits',
      'adjust',
      '--user',
      'cli@example.com',
      '--credits=-5',
      '--note',
      'test traffic refunded twice',
    );
    expect(adjusted.code, adjusted.stderr).toBe(0);
    expect(adjusted.stdout).toContain('balance 245');
    const db = await openDatabase({ sqlitePath: join(dataDir, 'hypereal.db') });
    try {
      const rows = await db.all<{ kind: string; amount_micro: number; description: string }>(
        'SELECT kind, amount_micro, description FROM ledger_entries ORDER BY id',
      );
      expect(rows.map((row) => [row.kind, Number(row.amount_micro), row.description])).toEqual([
        ['grant', 250_000_000, 'operator grant'],
        ['adjustment', -5_000_000, 'test traffic refunded twice'],
      ]);
      const user = await db.get<{ balance_micro: number }>('SELECT balance_micro FROM users');
      expect(Number(user?.balance_micro)).toBe(245_000_000);
    } finally {
      await db.close();
    }
  }, 60_000);
});
