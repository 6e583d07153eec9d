import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { hashKey, keyPrefix } from '../../src/accounts/index.ts';
import { getBalance, ledgerSum } from '../../src/billing/index.ts';
import { appliedVersions, type Database, migrate, migrations, openDatabase } from '../../src/db/index.ts';
import { type Engine, engines, freshPostgresUrl, tempDir } from '../helpers/databases.ts';
import { startHarness } from '../helpers/harness.ts';
import { runCli } from '../helpers/run-cli.ts';

const versions = migrations.map((migration) => migration.version).sort((a, b) => a - b);
const latest = versions.at(-1)!;

async function emptyDatabase(engine: Engine): Promise<Database> {
  return engine === 'sqlite'
    ? openDatabase({ sqlitePath: join(tempDir(), 'upgrade.db'), migrate: false })
    : openDatabase({ databaseUrl: await freshPostgresUrl(), sqlitePath: '', migrate: false });
}

/**
 * What a deployment at any schema version holds: a user with a balance built from ledger
 * entries, a working key, a settled hold and its charge, a request log row. Only the
 * columns of version 1 are used, so the same rows are valid at every version.
 */
async function seed(db: Database) {
  const now = Date.now();
  const userId = `usr_up${randomBytes(4).toString('hex')}`;
  const secret = keyPrefix + randomBytes(24).toString('base64url');
  const keyId = `key_up${randomBytes(4).toString('hex')}`;
  await db.run(
    "INSERT INTO users (id, email, plan, balance_micro, held_micro, created_at) VALUES (?, ?, 'default', ?, 0, ?)",
    [userId, `${userId}@example.com`, 999_000_000, now],
  );
  await db.run(
    'INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [keyId, userId, 'from-an-old-version', secret.slice(0, keyPrefix.length + 6), hashKey(secret), now],
  );
  const entries: Array<[string, number, number, string, string | null]> = [
    ['led_up1', 1_000_000_000, 1_000_000_000, 'grant', null],
    ['led_up2', -1_000_000, 999_000_000, 'charge', 'req_up1'],
  ];
  for (const [id, amount, after, kind, requestId] of entries) {
    await db.run(
      `INSERT INTO ledger_entries (id, user_id, amount_micro, balance_after_micro, kind, request_id, hold_id, description, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        `${id}_${userId}`,
        userId,
        amount,
        after,
        kind,
        requestId,
        kind === 'charge' ? `hld_${userId}` : null,
        kind,
        now,
      ],
    );
  }
  await db.run(
    "INSERT INTO holds (id, user_id, key_id, request_id, amount_micro, charged_micro, status, created_at, closed_at) VALUES (?, ?, ?, 'req_up1', ?, ?, 'settled', ?, ?)",
    [`hld_${userId}`, userId, keyId, 5_000_000, 1_000_000, now, now],
  );
  await db.run(
    `INSERT INTO request_logs (id, user_id, key_id, endpoint, model, status, latency_ms, prompt_tokens, completion_tokens, cost_micro, created_at)
     VALUES (?, ?, ?, '/v1/chat/completions', 'deepseek-v3.2', 200, 120, 10, 20, 1000000, ?)`,
    [`req_up1_${userId}`, userId, keyId, now],
  );
  return { userId, secret, keyId };
}

describe.each(engines)('upgrade from every earlier schema version (%s)', (engine) => {
  it('lists the migrations in ascending, unique versions', () => {
    expect(new Set(versions).size).toBe(versions.length);
    expect(migrations.map((migration) => migration.version)).toEqual(versions);
  });

  it.each(versions.slice(0, -1))(
    'from version %i: data survives, the gateway serves the old key',
    async (from) => {
      const db = await emptyDatabase(engine);
      try {
        await migrate(db, { upTo: from });
        expect(Math.max(...(await appliedVersions(db)))).toBe(from);
        const seeded = await seed(db);

        const applied: number[] = [];
        await migrate(db, { onApplied: (migration) => applied.push(migration.version) });
        expect(applied).toEqual(versions.filter((version) => version > from));
        expect(await migrate(db)).toBe(0); // idempotent
        expect(Math.max(...(await appliedVersions(db)))).toBe(latest);

        // The rows are still there, unchanged.
        const user = await db.get<{ balance_micro: number; email: string }>(
          'SELECT balance_micro, email FROM users WHERE id = ?',
          [seeded.userId],
        );
        expect(Number(user?.balance_micro)).toBe(999_000_000);
        expect(await ledgerSum(db, seeded.userId)).toBe(999_000_000);
        const log = await db.get<{ cost_micro: number }>(
          'SELECT cost_micro FROM request_logs WHERE user_id = ?',
          [seeded.userId],
        );
        expect(Number(log?.cost_micro)).toBe(1_000_000);

        // And the upgraded store works: the old key calls a model, the money still balances.
        const harness = await startHarness({ db });
        try {
          const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: seeded.secret, maxRetries: 0 });
          const answer = await client.chat.completions.create({
            model: 'deepseek-v3.2',
            messages: [{ role: 'user', content: 'still here?' }],
          });
          expect(answer.choices[0]?.message.content).toBeTruthy();
          const balance = await getBalance(db, seeded.userId);
          expect(balance.heldMicro).toBe(0);
          expect(balance.balanceMicro).toBeLessThan(999_000_000);
          expect(balance.balanceMicro).toBe(await ledgerSum(db, seeded.userId));
        } finally {
          await harness.close();
        }
      } finally {
        await db.close();
      }
    },
  );
});

describe('hypereal migrate', () => {
  const main = join(import.meta.dirname, '../../src/cli/main.ts');

  it.each(engines)(
    'on %s: says what it applied, then that there is nothing to do',
    async (engine) => {
      const dir = tempDir('hypereal-migrate-');
      const databaseUrl = engine === 'postgres' ? await freshPostgresUrl() : '';
      const run = () =>
        runCli(process.execPath, [main, 'migrate'], {
          cwd: dir,
          env: { HYPEREAL_DATA_DIR: dir, DATABASE_URL: databaseUrl, HOME: dir },
        });
      const first = await run();
      expect(first.code).toBe(0);
      for (const migration of migrations)
        expect(first.stdout).toContain(`applied ${migration.version}: ${migration.name}`);
      expect(first.stdout).toContain(
        `schema at version ${latest} (${engine}): ${migrations.length} migrations applied, from an empty database`,
      );
      const second = await run();
      expect(second.code).toBe(0);
      expect(second.stdout.trim()).toBe(
        `schema up to date at version ${latest} (${engine}); nothing applied`,
      );
    },
    60_000,
  ); // two CLI processes, each starting Node and loading the gateway
});
