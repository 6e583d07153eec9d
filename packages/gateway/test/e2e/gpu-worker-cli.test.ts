import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { selfHostedBackend } from '../../src/gpu/self-hosted/index.ts';
import type { GpuJobStatus } from '../../src/providers/gpu/types.ts';
import { tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { runCli } from '../helpers/run-cli.ts';

const hyperealBin = join(import.meta.dirname, '../../bin/hypereal.js');
const workerBin = join(import.meta.dirname, '../../../gpu-worker/bin/hypereal-worker.js');
const never = new AbortController().signal;

describe('operator CLI token + the shipped hypereal-worker binary in register mode', () => {
  const dataDir = tempDir();
  let harness: Harness | undefined;
  let db: Database | undefined;
  afterAll(async () => {
    await harness?.close();
    await db?.close();
  });

  it('creates a token with the CLI, registers the worker process with it, runs a job, and exits cleanly on SIGTERM', async () => {
    const hypereal = (...args: string[]) =>
      runCli(process.execPath, [hyperealBin, ...args], { env: { HYPEREAL_DATA_DIR: dataDir }, cwd: dataDir });
    const created = await hypereal('gpu-workers', 'create-token', '--name', 'box1');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^gwt_/);
    expect(created.stderr).toContain('not shown again');
    const listed = await hypereal('gpu-workers', 'list-tokens');
    expect(listed.stdout).toContain('box1');
    expect(listed.stdout).not.toContain(token);

    db = await openDatabase({ sqlitePath: join(dataDir, 'hypereal.db') });
    harness = await startHarness({
      db,
      config: { gpuWorkers: { pingIntervalMs: 500, stopLongPollMs: 300 } },
    });
    const backend = selfHostedBackend(db, { pingIntervalMs: 500 });
    const child = spawn(
      process.execPath,
      [
        workerBin,
        '--gateway',
        harness.gateway.url,
        '--token',
        token,
        '--serve',
        'sdxl',
        '--name',
        'box1',
        '--poll-ms',
        '20',
      ],
      { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const job = await backend.submit(
        'sdxl',
        { input: { prompt: 'from a process', width: 32, height: 32 }, executionTimeoutMs: 60_000 },
        never,
      );
      let status: GpuJobStatus = job;
      for (let tries = 0; tries < 500 && !['succeeded', 'failed'].includes(status.state); tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = await backend.status('sdxl', job.providerJobId, never);
      }
      expect(status.state, output).toBe('succeeded');
      expect(output).toMatch(/registered with .* as gw_/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: finishing the current job, taking no more');

    const revoked = await hypereal('gpu-workers', 'revoke-token', '--token', token.slice(0, 10));
    expect(revoked.code).toBe(0);
    const again = await hypereal('gpu-workers', 'revoke-token', '--token', token.slice(0, 10));
    expect(again.code).toBe(1);
  }, 60_000);
});
