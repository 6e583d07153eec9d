import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChildren } from '../../bench/processes.ts';
import { createApiKey, createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { engines, freshPostgresUrl, postgresUrl } from '../helpers/databases.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A whole chat request on a raw socket, closed `afterMs` after the last byte went out. */
function sendAndHangUp(url: string, key: string, afterMs: number, stream: boolean): Promise<void> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({
    model: 'deepseek-v3.2',
    stream,
    messages: [{ role: 'user', content: 'A long answer please [[sim:reply_tokens=200]]' }],
  });
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        () => {
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, afterMs);
        },
      );
    });
    socket.on('error', () => resolve());
  });
}

describe('a client that hangs up early is billed for what was generated', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ engine: engines.at(-1)! });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('12 clients closing 0–3 ms after sending: none is logged as a success or charged for the answer', async () => {
    const user = await harness.newUser(500);
    // The upstream takes 300 ms: every client is gone before it answers.
    harness.sim.addFault({ latencyMs: 300, times: 12 });
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        sendAndHangUp(harness.gateway.url, user.key, index % 4, index % 2 === 0),
      ),
    );
    const deadline = Date.now() + 5_000;
    const logs = async () =>
      harness.db.all<{ status: number; completion_tokens: number; cost_micro: number; error_code: string }>(
        'SELECT status, completion_tokens, cost_micro, error_code FROM request_logs WHERE user_id = ?',
        [user.user.id],
      );
    // A client gone before its request was even parsed is never admitted (nothing to log or bill).
    let seen = -1;
    while (Date.now() < deadline) {
      const count = (await logs()).length;
      if (count === seen && count > 0) break;
      seen = count;
      await sleep(300);
    }
    const rows = await logs();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) {
      expect(Number(row.status)).toBe(499);
      expect(row.error_code).toBe('client_closed');
      // At most the prompt the upstream read; never the 200-token answer nobody received.
      expect(Number(row.completion_tokens)).toBe(0);
    }
    const full = creditsToMicro(500) - (await harness.balancedBalance(user.user.id));
    const charged = rows.reduce((sum, row) => sum + Number(row.cost_micro), 0);
    expect(full).toBe(charged);
    console.info(
      `hang-up: ${rows.length} of 12 admitted, ${rows.filter((row) => Number(row.status) === 200).length} logged as 200; charged ${charged} µcredits in all`,
    );
  });
});

/**
 * SIGTERM to a real gateway process on PostgreSQL while it serves short and long streams:
 * the short ones finish, the long ones are cut at the grace period (billed for what was
 * generated) — each with one log row and its hold closed — and only then does the pool close.
 */
describe.skipIf(!postgresUrl)('graceful shutdown finishes or refunds every admitted request', () => {
  let sim: UpstreamSim;
  let db: Database;
  let databaseUrl = '';
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-shutdown-'));
  const configPath = join(dir, 'hypereal.yaml');
  const simKey = 'sim-shutdown-key';

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
    writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000\nserver:\n  shutdownGraceMs: 3000\n');
    databaseUrl = await freshPostgresUrl();
    db = await openDatabase({ databaseUrl, sqlitePath: '' });
  });
  afterAll(async () => {
    await stopChildren();
    await db.close();
    await sim.close();
  });

  it('SIGTERM mid-load: no "pool after end", no open hold, one log row per admitted request, balance = ledger', async () => {
    const user = await createUser(db, { email: 'shutdown@example.com' });
    await grantCredits(db, user.id, creditsToMicro(1000), 'shutdown test credits');
    const { secret: key } = await createApiKey(db, { userId: user.id, name: 'shutdown' });
    const gateway = await startGatewayProcess(dir, configPath, sim, simKey, { DATABASE_URL: databaseUrl });

    const stream = async (content: string) => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'deepseek-v3.2', stream: true, messages: [{ role: 'user', content }] }),
      }).catch((error: unknown) => {
        throw new Error(
          `${content}: ${String((error as Error).cause ?? error)} after ${Date.now() - startedAt} ms`,
        );
      });
      const requestId = response.headers.get('x-request-id');
      let text = '';
      try {
        for await (const chunk of response.body!) text += Buffer.from(chunk).toString('utf8');
      } catch {
        // cut at the end of the grace period
      }
      return { requestId, complete: text.includes('data: [DONE]'), ms: Date.now() - startedAt };
    };
    const startedAt = Date.now();
    // Short answers (~1.5 s) finish within the 3 s grace; long ones (~30 s) cannot.
    sim.addFault({ chunkDelayMs: 50, times: Number.POSITIVE_INFINITY });
    const runs = [
      ...Array.from({ length: 6 }, () => stream('short [[sim:reply_tokens=30]]')),
      ...Array.from({ length: 6 }, () => stream('long [[sim:reply_tokens=1000]]')),
    ];
    // SIGTERM once all twelve are admitted (each holds).
    const openHolds = async () =>
      Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE status = 'open'"))!.n);
    while ((await openHolds()) < 12 && Date.now() - startedAt < 5_000) await sleep(20);
    expect(await openHolds()).toBe(12);
    const signalledAt = Date.now();
    process.kill(gateway.pid, 'SIGTERM');
    const results = await Promise.all(runs);
    while (Date.now() - signalledAt < 10_000) {
      try {
        process.kill(gateway.pid, 0);
        await sleep(50);
      } catch {
        break;
      }
    }
    const exitedMs = Date.now() - signalledAt;
    expect(exitedMs).toBeLessThan(8_000);
    expect(gateway.output()).not.toMatch(/Cannot use a pool/);

    console.info(
      `shutdown: exited after ${exitedMs} ms; streams ended at ${results.map((run) => `${run.ms}${run.complete ? '' : '(cut)'}`).join(', ')} ms`,
    );
    const all = await db.all<{
      status: number;
      cost_micro: number;
      completion_tokens: number;
      error_code: string | null;
    }>('SELECT status, cost_micro, completion_tokens, error_code FROM request_logs WHERE user_id = ?', [
      user.id,
    ]);
    console.info(
      `shutdown: logs ${all.map((row) => `${row.status}/${row.completion_tokens}/${row.error_code}`).join(' ')}`,
    );
    expect(results.filter((run) => run.complete)).toHaveLength(6);
    const ids = results.map((run) => run.requestId!);
    expect(ids.every(Boolean)).toBe(true);
    const logs = await db.all<{ id: string; status: number; cost_micro: number }>(
      'SELECT id, status, cost_micro FROM request_logs WHERE user_id = ?',
      [user.id],
    );
    expect(logs.map((log) => log.id).sort()).toEqual([...ids].sort());
    const statuses = logs.map((log) => Number(log.status));
    expect(statuses.filter((status) => status === 200)).toHaveLength(6);
    // The cut ones: billed for what was generated up to the cut (499), or refunded (503).
    expect(statuses.filter((status) => status === 499 || status === 503)).toHaveLength(6);
    expect(await openHolds()).toBe(0);
    const balance = await getBalance(db, user.id);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(await ledgerSum(db, user.id));
    console.info(`shutdown: exited ${exitedMs} ms after SIGTERM; statuses ${statuses.sort().join(',')}`);
  }, 60_000);
});
