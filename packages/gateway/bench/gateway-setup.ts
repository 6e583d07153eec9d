import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * not the throttle) and a user with ample credits, written before the gateway opens the database.
 */
export async function prepareGateway(): Promise<GatewayFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-bench-'));
  const configPath = join(dir, 'hypereal.yaml');
  writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000000\n');
  const db = await openDatabase({ sqlitePath: join(dir, 'hypereal.db') });
  try {
    const user = await createUser(db, { email: 'bench@hypereal.local' });
    await grantCredits(db, user.id, creditsToMicro(10_000_000), 'bench credits');
    const { secret } = await createApiKey(db, { userId: user.id, name: 'bench' });
    return { dir, configPath, apiKey: secret };
  } finally {
    await db.close();
  }
}
