import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createApiKey, createUser } from '../src/accounts/index.ts';
import { creditsToMicro, grantCredits } from '../src/billing/index.ts';
import { openDatabase } from '../src/db/index.ts';

export interface GatewayFixture {
  /** Holds the config file and the SQLite database. */
  dir: string;
  configPath: string;
  /** A funded user's ck_ key. */
  apiKey: string;
}

/**
 * A throwaway data dir with a config that lifts the rate limit (the bench must measure the proxy,
 * not the throttle) and a user with ample credits, written before the gateway opens the database
 * (the SQLite file in that dir, or the PostgreSQL database at `databaseUrl`).
 */
export async function prepareGateway(options: { databaseUrl?: string } = {}): Promise<GatewayFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-bench-'));
  const configPath = join(dir, 'hypereal.yaml');
  writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000000\n');
  const db = await openDatabase({ databaseUrl: options.databaseUrl, sqlitePath: join(dir, 'hypereal.db') });
  try {
    // A PostgreSQL database outlives the run: a fresh user each time (the SQLite file does not).
    const user = await createUser(db, { email: `bench-${basename(dir)}@hypereal.local` });
    await grantCredits(db, user.id, creditsToMicro(10_000_000), 'bench credits');
    const { secret } = await createApiKey(db, { userId: user.id, name: 'bench' });
    return { dir, configPath, apiKey: secret };
  } finally {
    await db.close();
  }
}
