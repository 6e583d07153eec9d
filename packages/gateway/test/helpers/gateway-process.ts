import { join, resolve } from 'node:path';
import type { UpstreamSim } from '@hypereal/upstream-sim';
import { type RunningChild, startNodeChild } from '../../bench/processes.ts';
import { simulatorEnv } from '../../src/cli/simulator-env.ts';

const repoRoot = resolve(import.meta.dirname, '../../../..');

/**
 * The gateway as its own process (`hypereal serve`), in front of `sim`, on the SQLite store
 * under `dir` (or the PostgreSQL database at `databaseUrl`) — for the tests that kill it with
 * SIGKILL and start it again on the same store.
 */
export function startGatewayProcess(
  dir: string,
  configPath: string,
  sim: UpstreamSim,
  simKey: string,
  databaseUrl = '',
): Promise<RunningChild> {
  return startNodeChild({
    name: 'gateway',
    script: join(repoRoot, 'packages/gateway/src/cli/main.ts'),
    args: ['serve', '--config', configPath],
    env: {
      ...simulatorEnv(sim.url, simKey),
      HYPEREAL_DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
    ready: /Hypereal gateway on (http:\/\/\S+?)(?:\s|$)/,
  });
}
