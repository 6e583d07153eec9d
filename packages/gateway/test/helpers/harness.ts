import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '@hypereal/upstream-sim';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { createApiKey, createUser, type User } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { simulatorEnv } from '../../src/cli/simulator-env.ts';
import { type ConfigFile, loadConfig } from '../../src/config/index.ts';
import type { Database } from '../../src/db/index.ts';
import { type RunningGateway, startGateway } from '../../src/gateway.ts';
import { type Engine, freshDatabase, tempDir } from './databases.ts';

export const simulatorKey = 'sim-test-key';

export interface TestUser {
  user: User;
  key: string;
  /** The official SDK pointed at the gateway, as a user would configure it. */
  client: OpenAI;
}

export interface Harness {
  sim: UpstreamSim;
  gateway: RunningGateway;
  db: Database;
  /** OpenAI-style base URL (`…/v1`). */
  baseUrl: string;
  newUser(credits: number, options?: { email?: string; password?: string }): Promise<TestUser>;
  /** Asserts the money invariant and returns the balance in micro-credits. */
  balancedBalance(userId: string): Promise<number>;
  close(): Promise<void>;
}

let counter = 0;

export async function startHarness(
  options: {
    config?: ConfigFile;
    engine?: Engine;
    env?: Record<string, string>;
    db?: Database;
    /** Simulator clocks (RunPod ping interval, result retention…). */
    sim?: Partial<UpstreamSimOptions>;
  } = {},
): Promise<Harness> {
  const sim = await startUpstreamSim({ ...options.sim, host: '127.0.0.1', port: 0, apiKeys: [simulatorKey] });
  // A shared database makes two harnesses two replicas of one deployment.
  const db = options.db ?? (await freshDatabase(options.engine ?? 'sqlite'));
  const config = loadConfig({
    inline: {
      ...options.config,
      server: { host: '127.0.0.1', port: 0, logLevel: 'silent', ...options.config?.server },
      // Tests write log rows into past days after the server started: the rollup, which takes
      // past days as closed, runs only where a test turns it on.
      usage: { rollupIntervalSeconds: 0, ...options.config?.usage },
    },
    env: { ...simulatorEnv(sim.url, simulatorKey), ...options.env },
    cwd: tempDir(),
  });
  const gateway = await startGateway(config, { db, logger: false });
  const baseUrl = `${gateway.url}/v1`;

  return {
    sim,
    gateway,
    db,
    baseUrl,
    async newUser(credits, userOptions = {}) {
      const user = await createUser(db, {
        email: userOptions.email ?? `user${++counter}-${Date.now()}@example.com`,
        ...(userOptions.password ? { password: userOptions.password } : {}),
      });
      if (credits > 0) await grantCredits(db, user.id, creditsToMicro(credits));
      const { secret } = await createApiKey(db, { userId: user.id, name: 'test' });
      return { user, key: secret, client: new OpenAI({ baseURL: baseUrl, apiKey: secret, maxRetries: 0 }) };
    },
    async balancedBalance(userId) {
      // Idle credit leases go back within a second by themselves; here, at once.
      await gateway.services.creditLeases?.returnIdle();
      const { balanceMicro, heldMicro } = await getBalance(db, userId);
      expect(await ledgerSum(db, userId)).toBe(balanceMicro);
      expect(heldMicro).toBe(0);
      return balanceMicro;
    },
    async close() {
      await gateway.close();
      await sim.close();
      if (!options.db) await db.close();
    },
  };
}
