import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { newId } from '../../src/ids.ts';
import { usageCount } from '../../src/usage/analytics.ts';
import { insertRequestLog, readRolledThroughDay } from '../../src/usage/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { runCli } from '../helpers/run-cli.ts';

const bin = join(import.meta.dirname, '../../bin/hypereal.js');
const dayMs = 86_400_000;

describe('`hypereal usage rollup`', () => {
  const dataDir = tempDir();
  const hypereal = (...args: string[]) =>
    runCli(process.execPath, [bin, ...args], { env: { HYPEREAL_DATA_DIR: dataDir }, cwd: dataDir });
  const open = () => openDatabase({ sqlitePath: join(dataDir, 'hypereal.db') });
  const logAt = (createdAt: number) => ({
    id: newId('req'),
    userId: 'usr_cli',
    keyId: 'key_cli',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    provider: 'sim',
    upstreamModel: null,
    status: 200,
    stream: false,
    latencyMs: 1,
    promptTokens: 1,
    completionTokens: 1,
    cachedTokens: 0,
    reasoningTokens: 0,
    usageSource: 'upstream' as const,
    costMicro: 10,
    errorCode: null,
    errorMessage: null,
    createdAt,
  });

  it('rolls up the closed days now, and --rebuild takes in rows written into them afterwards', async () => {
    let db = await open();
    const now = Date.now();
    for (let day = 2; day <= 6; day++) await insertRequestLog(db, logAt(now - day * dayMs));
    await db.close();

    const first = await hypereal('usage', 'rollup');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /usage rollup through \d{4}-\d\d-\d\d \(was none\): 1 owners, \d+ chunks, 5 rollup rows/,
    );

    db = await open();
    const through = await readRolledThroughDay(db);
    expect(through).toBeGreaterThanOrEqual(Math.floor(now / dayMs) - 2);
    const filter = { userId: 'usr_cli', sinceMs: now - 10 * dayMs };
    expect(await usageCount(db, filter, through)).toBe(5);
    // An import into a closed day: the rollup does not see it until rebuilt.
    await insertRequestLog(db, logAt(now - 4 * dayMs));
    expect(await usageCount(db, filter)).toBe(6);
    expect(await usageCount(db, filter, through)).toBe(5);
    await db.close();

    const again = await hypereal('usage', 'rollup');
    expect(again.stdout).toContain('0 chunks');
    const rebuilt = await hypereal('usage', 'rollup', '--rebuild');
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain('(was none)');
    db = await open();
    expect(await usageCount(db, filter, await readRolledThroughDay(db))).toBe(6);
    await db.close();
  });
});
