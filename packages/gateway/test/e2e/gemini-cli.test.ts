import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { runCli } from '../helpers/run-cli.ts';

const gemini = join(import.meta.dirname, '../../../../node_modules/.bin/gemini');

describe('Gemini CLI (gemini -p) through the gateway', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it.each([
    ['with -m gemini-3.5-fast', ['-m', 'gemini-3.5-fast']],
    ['with its own default models (no -m)', []],
  ])(
    'completes a prompt end to end %s',
    async (_label, modelArgs) => {
      const user = await harness.newUser(1000);
      const home = tempDir('gemini-home-');
      mkdirSync(join(home, '.gemini'));
      writeFileSync(
        join(home, '.gemini', 'settings.json'),
        JSON.stringify({
          security: { auth: { selectedType: 'gemini-api-key' } },
          telemetry: { enabled: false },
          privacy: { usageStatisticsEnabled: false },
        }),
      );
      const result = await runCli(gemini, ['-p', 'Say hello to the gateway. [[sim:no_tool]]', ...modelArgs], {
        cwd: home,
        timeoutMs: 90_000,
        env: {
          HOME: home,
          GOOGLE_GEMINI_BASE_URL: harness.gateway.url,
          GEMINI_API_KEY: user.key,
          GEMINI_CLI_TRUST_WORKSPACE: 'true',
        },
      });
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(result.stdout.trim().length).toBeGreaterThan(10);
      const logs = await listRequestLogs(harness.db, user.user.id, 10);
      const ok = logs.filter((log) => log.endpoint.startsWith('/v1beta/models/') && log.status === 200);
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.every((log) => Number(log.cost_micro) > 0)).toBe(true);
      if (modelArgs.length === 0) {
        // Gemini CLI 0.61 picks its models itself (a flash-lite classifier call, then the turn); both are
        // newer than the catalog and are served through the gemini-* family patterns.
        expect(ok.map((log) => log.model_rule)).toEqual(
          expect.arrayContaining([expect.stringMatching(/^pattern:gemini-/)]),
        );
        console.log(
          'Gemini CLI default models:',
          ok.map((log) => `${log.model} (${log.model_rule})`).join(', '),
        );
      }
      await harness.balancedBalance(user.user.id);
    },
    120_000,
  );
});
