import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { runCli } from '../helpers/run-cli.ts';

const codex = join(import.meta.dirname, '../../../../node_modules/.bin/codex');

/** The provider block the README documents for Codex. */
function codexConfig(baseUrl: string, model: string): string {
  return `model = "${model}"
model_provider = "hypereal"

[model_providers.hypereal]
name = "Hypereal"
base_url = "${baseUrl}/api/v1"
wire_api = "responses"
env_key = "HYPEREAL_API_KEY"
`;
}

describe('Codex CLI (codex exec) through the gateway', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it.each([
    ['a Responses upstream', 'gpt-5.3-codex', '/v1/responses'],
    ['a chat-only upstream', 'deepseek-v3.2', '/v1/chat/completions'],
  ])(
    'finishes a task on %s (%s)',
    async (_label, model, upstreamPath) => {
      const user = await harness.newUser(1000);
      const home = tempDir('codex-home-');
      writeFileSync(join(home, 'config.toml'), codexConfig(harness.gateway.url, model));
      const before = harness.sim.requests.length;
      const result = await runCli(
        codex,
        [
          'exec',
          '--skip-git-repo-check',
          '--sandbox',
          'read-only',
          'Summarise this project in one line. [[sim:no_tool]]',
        ],
        { cwd: home, timeoutMs: 90_000, env: { HOME: home, CODEX_HOME: home, HYPEREAL_API_KEY: user.key } },
      );
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(result.stdout.trim().length).toBeGreaterThan(10);

      const upstream = harness.sim.requests.slice(before).filter((request) => request.path === upstreamPath);
      expect(upstream.length).toBeGreaterThan(0);
      const logs = await listRequestLogs(harness.db, user.user.id, 20);
      const turns = logs.filter((log) => log.endpoint === '/v1/responses' && log.status === 200);
      expect(turns.length).toBeGreaterThan(0);
      expect(turns.every((log) => log.stream === 1 && Number(log.cost_micro) > 0)).toBe(true);
      await harness.balancedBalance(user.user.id);
    },
    120_000,
  );
});
