import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { runClaudeCode } from '../helpers/run-cli.ts';

describe('Claude Code (claude -p) through the gateway', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it.each([
    ['with --model claude-sonnet-4-6', ['--model', 'claude-sonnet-4-6']],
    ['with its own default model (no --model flag)', []],
  ])(
    'completes a prompt end to end %s, with its betas forwarded and the turn billed',
    async (_label, modelArgs) => {
      const user = await harness.newUser(1000);
      const home = tempDir('claude-home-');
      const result = await runClaudeCode(
        harness.gateway.url,
        user.key,
        ['-p', 'Say hello to the gateway. [[sim:no_tool]]', ...modelArgs],
        home,
      );
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(result.stdout.trim().length).toBeGreaterThan(10);

      const calls = harness.sim.requests.filter((request) => request.path === '/v1/messages');
      expect(calls.length).toBeGreaterThan(0);
      const turn = calls.at(-1)!;
      expect(turn.headers['anthropic-beta']).toContain('claude-code-20250219');
      expect(turn.headers['anthropic-version']).toBe('2023-06-01');
      expect((turn.body as { stream?: boolean }).stream).toBe(true);

      const logs = await listRequestLogs(harness.db, user.user.id, 10);
      const ok = logs.filter((log) => log.endpoint === '/v1/messages' && log.status === 200);
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.every((log) => Number(log.cost_micro) > 0)).toBe(true);
      if (modelArgs.length === 0) {
        // Claude Code 2.1.197 defaults to claude-opus-4-8, which only the claude-opus-* family pattern knows.
        expect(ok.map((log) => [log.model, log.model_rule])).toContainEqual([
          'claude-opus-4-8',
          'pattern:claude-opus-*',
        ]);
      }
      await harness.balancedBalance(user.user.id);
    },
    120_000,
  );
});
