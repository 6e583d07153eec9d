import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsToMicro } from '../../src/billing/index.ts';
import { simulatorEnv } from '../../src/cli/simulator-env.ts';
import type { Database } from '../../src/db/index.ts';
import { type Engine, engines, freshDatabase } from '../helpers/databases.ts';
import { type Harness, simulatorKey, startHarness, type TestUser } from '../helpers/harness.ts';

// Bounded for CI; HYPEREAL_SOAK_JOBS=1000 runs the full soak.
const jobCount = Number(process.env['HYPEREAL_SOAK_JOBS'] ?? 200);
// Enough for every job to be held at once, spread over five users.
const credits = Math.max(10_000, jobCount * 30);
const config = {
  jobs: { tickMs: 20, maxPollIntervalMs: 40, leaseSeconds: 2, concurrency: 64 },
  rateLimits: { defaultRpm: 1_000_000 },
  routing: { retriesPerTarget: 1, backoffBaseMs: 5 },
  models: {
    // A hang on this model reaches its deadline (1.2 s) and is refunded.
    'veo-soak-deadline': {
      kind: 'video' as const,
      route: 'google/veo-3.1-fast-generate-preview',
      price: { perClip: 120 },
      videoRules: { durations: [4, 6, 8], defaultDuration: 4, deadlineMinutes: 0.02 },
    },
  },
};

/** A seeded generator, so a failing soak can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * A bounded soak of the job engine: 200 video jobs with random vendor failures, moderation,
 * hangs past the deadline, 5xx faults on any vendor call and client cancels; on PostgreSQL
 * two replicas share the store and the simulator, so either may advance any job. Every hold
 * ends settled or refunded once, each user's balance equals their ledger, no job is left live.
 */
describe.each(engines)('soak: %s', (engine: Engine) => {
  const replicas: Harness[] = [];
  let db: Database;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    const first = await startHarness({ config, db });
    replicas.push(first);
    if (engine === 'postgres') {
      replicas.push(await startHarness({ config, db, env: simulatorEnv(first.sim.url, simulatorKey) }));
    }
    first.sim.videos.setTiming({ queuedMs: 20, runningMs: 80 });
  });
  afterAll(async () => {
    for (const replica of replicas.reverse()) await replica.close();
    await db.close();
  });

  it(`${jobCount} jobs with random failures and hangs: every hold settled or refunded once, ledger = balances`, async () => {
    const started = Date.now();
    const next = random(15);
    const sim = replicas[0]!.sim;
    const users: TestUser[] = [];
    for (let index = 0; index < 5; index++) users.push(await replicas[0]!.newUser(credits));
    const statuses: number[] = [];
    const canceled: Array<Promise<unknown>> = [];
    for (let batch = 0; batch < jobCount / 20; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, slot) => {
          const roll = next();
          const user = users[(batch * 20 + slot) % users.length]!;
          const replica = replicas[slot % replicas.length]!;
          if (next() < 0.1) sim.addFault({ status: 503, times: 1 });
          const prompt =
            roll < 0.08
              ? 'x [[sim:moderated]]'
              : roll < 0.16
                ? 'x [[sim:video_error]]'
                : roll < 0.22
                  ? 'x [[sim:hang]]'
                  : 'ok';
          const model = prompt.includes('hang') ? 'veo-soak-deadline' : 'gemini_omni_flash';
          const response = await fetch(`${replica.baseUrl}/videos/generate`, {
            method: 'POST',
            headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model, prompt, duration: 4 }),
          });
          statuses.push(response.status);
          const body = (await response.json()) as { jobId?: string };
          if (body.jobId && next() < 0.05) {
            canceled.push(
              fetch(`${replica.baseUrl}/jobs/${body.jobId}/cancel`, {
                method: 'POST',
                headers: { authorization: `Bearer ${user.key}` },
              }),
            );
          }
        }),
      );
    }
    await Promise.all(canceled);
    const live = async () =>
      Number(
        (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')"))!
          .n,
      );
    const deadline = Date.now() + 40_000;
    while ((await live()) > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    expect(await live()).toBe(0);

    const jobs = await db.all<{
      id: string;
      state: string;
      cost_micro: number;
      hold_id: string;
      polls: number;
    }>('SELECT id, state, cost_micro, hold_id, polls FROM jobs');
    expect(jobs).toHaveLength(jobCount);
    const holds = new Map(
      (
        await db.all<{ id: string; status: string }>('SELECT id, status FROM holds WHERE job_id IS NOT NULL')
      ).map((hold) => [hold.id, hold.status]),
    );
    const charges = await db.all<{ request_id: string; amount_micro: number }>(
      "SELECT request_id, amount_micro FROM ledger_entries WHERE kind = 'charge'",
    );
    const chargesByJob = new Map<string, number[]>();
    for (const charge of charges)
      chargesByJob.set(charge.request_id, [
        ...(chargesByJob.get(charge.request_id) ?? []),
        -Number(charge.amount_micro),
      ]);
    for (const job of jobs) {
      const charged = chargesByJob.get(job.id) ?? [];
      if (job.state === 'succeeded') {
        expect(holds.get(job.hold_id)).toBe('settled');
        expect(charged).toEqual([creditsToMicro(120)]);
      } else {
        expect(holds.get(job.hold_id)).toBe('released');
        expect(charged).toEqual([]);
      }
    }
    expect(charges.length).toBe(jobs.filter((job) => job.state === 'succeeded').length);
    let spent = 0;
    for (const user of users) {
      const balance = await replicas[0]!.balancedBalance(user.user.id);
      spent += creditsToMicro(credits) - balance;
      const held = await db.get<{ held_micro: number }>('SELECT held_micro FROM users WHERE id = ?', [
        user.user.id,
      ]);
      expect(Number(held!.held_micro)).toBe(0);
    }
    expect(spent).toBe(charges.reduce((sum, charge) => sum - Number(charge.amount_micro), 0));
    const byState: Record<string, number> = {};
    for (const job of jobs) byState[job.state] = (byState[job.state] ?? 0) + 1;
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `soak ${engine}, ${replicas.length} replica(s): ${jobCount} jobs in ${seconds.toFixed(1)} s`,
      byState,
      `creates: ${statuses.filter((status) => status === 202).length} × 202, others ${statuses.filter((status) => status !== 202).join(',') || 'none'}`,
      `charged ${charges.length}, ledger = balances, 0 held, 0 live; steps per replica ${replicas.map((replica) => replica.gateway.services.jobs.steps).join('/')}`,
    );
    expect(seconds).toBeLessThan(60);
    // Every replica advanced jobs: the leases spread the work.
    for (const replica of replicas) expect(replica.gateway.services.jobs.steps).toBeGreaterThan(0);
  }, 90_000);
});
