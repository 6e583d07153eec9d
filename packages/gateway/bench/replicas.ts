/**
 * One busy user through three replicas: three `hypereal serve` processes on one PostgreSQL and
 * one Redis, behind a real nginx (the load-balancer test's config), with the upstream simulator
 * answering at once (0 ms). 64 concurrent non-streaming chat calls from this process, bounded by
 * a request count and a 60 s wall clock.
 *
 *   npm run bench:replicas                                  # PostgreSQL from HYPEREAL_TEST_POSTGRES_URL
 *   npm run bench:replicas -- --requests 20000 --keys 4 --concurrency 64
 *   npm run bench:replicas -- --cpu-prof /tmp/prof      # a V8 CPU profile per replica
 *
 * Needs PostgreSQL (`--postgres URL` or HYPEREAL_TEST_POSTGRES_URL; the bench works in a database
 * of its own, `hypereal_bench`, so its counters are its own), nginx (HYPEREAL_TEST_NGINX or
 * /usr/sbin/nginx) and `redis-server` on PATH (a private instance, for clean command counters) or
 * `--redis URL`.
 *
 * Prints requests per second, CPU per request of every process on the box that serves them
 * (each replica, nginx, PostgreSQL backends + WAL writer, Redis, the simulator, this load
 * generator), PostgreSQL transactions per request (pg_stat_database xact_commit: one per
 * autocommit statement or grouped multi-statement query, so ≈ round trips outside explicit
 * transactions), rows written per request per table (pg_stat_user_tables) and Redis commands per
 * request (INFO commandstats). Then checks the money: balance = ledger sum, nothing left held,
 * one request_logs row per answered request.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { bundleToRun } from '../bin/bundle.js';
import { createApiKey, createUser } from '../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../src/billing/index.ts';
import { simulatorEnv } from '../src/cli/simulator-env.ts';
import { openDatabase } from '../src/db/index.ts';
import { tempDir } from '../test/helpers/databases.ts';
import { nginxBinary, startNginx } from '../test/helpers/nginx.ts';
import { LoadConnections } from './http1/connections.ts';
import { type LoadResult, runLoad } from './load.ts';
import { clockTicksPerSecond, readCpuMicros } from './proc.ts';
import { type RunningChild, startNodeChild, stopChildren } from './processes.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    keys: { type: 'string', default: '1' },
    replicas: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '60' },
    postgres: { type: 'string' },
    redis: { type: 'string' },
    /** Writes a V8 CPU profile per replica into this directory (read it with `npm run bench:profile-top`). */
    'cpu-prof': { type: 'string' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const keyCount = Number(values.keys);
const replicaCount = Number(values.replicas);
const maxSeconds = Math.min(60, Number(values.seconds));
const warmupRequests = 600;
const repoRoot = resolve(import.meta.dirname, '../../..');
const SIM_KEY = 'sim-bench-replicas-key';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const baseUrl = values.postgres ?? process.env['HYPEREAL_TEST_POSTGRES_URL'];
if (!baseUrl)
  throw new Error('bench:replicas needs PostgreSQL: --postgres URL or HYPEREAL_TEST_POSTGRES_URL');
if (!nginxBinary) throw new Error('bench:replicas needs nginx (HYPEREAL_TEST_NGINX or /usr/sbin/nginx)');

/** A database of the bench's own (created once), a fresh schema in it per run. */
async function benchDatabaseUrl(): Promise<{ url: string; database: string; schema: string }> {
  const database = 'hypereal_bench';
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(baseUrl!);
  url.pathname = `/${database}`;
  const schema = `bench_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), database, schema };
}

async function startRedis(): Promise<{ url: string; pid: number | undefined; stop: () => void }> {
  if (values.redis) return { url: values.redis, pid: undefined, stop: () => undefined };
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  for (let tries = 0; ; tries++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (tries > 150) throw new Error('redis-server did not start');
      await sleep(100);
    }
  }
  return { url, pid: child.pid, stop: () => child.kill('SIGKILL') };
}

const bench = await benchDatabaseUrl();
const redis = await startRedis();
const redisClient = new Redis(redis.url);
const stats = new pg.Client({ connectionString: bench.url });
await stats.connect();

const dir = tempDir('hypereal-bench-replicas-');
const configPath = join(dir, 'hypereal.yaml');
writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000000\n');
const db = await openDatabase({ databaseUrl: bench.url, sqlitePath: '' });
const user = await createUser(db, { email: `bench-replicas-${Date.now()}@hypereal.local` });
await grantCredits(db, user.id, creditsToMicro(10_000_000), 'bench credits');
const keys: string[] = [];
for (let index = 0; index < keyCount; index++)
  keys.push((await createApiKey(db, { userId: user.id, name: `bench ${index}` })).secret);

const sim = await startNodeChild({
  name: 'upstream-sim',
  script: join(repoRoot, 'packages/upstream-sim/src/main.ts'),
  args: ['--host', '127.0.0.1', '--port', '0', '--api-key', SIM_KEY],
  ready: /upstream-sim listening on (http:\/\/\S+)/,
});
// Built once here, so the three replicas do not each build it at their first start.
bundleToRun();
const replicas: RunningChild[] = await Promise.all(
  Array.from({ length: replicaCount }, (_, index) =>
    startNodeChild({
      name: `replica-${index}`,
      // The `hypereal` bin, as a user starts it (its #! line's flags, the bundle it builds).
      script: join(repoRoot, 'packages/gateway/bin/hypereal.js'),
      executable: true,
      args: ['serve', '--config', configPath],
      env: {
        ...(values['cpu-prof']
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(values['cpu-prof'])}` }
          : {}),
        ...simulatorEnv(sim.url, SIM_KEY),
        HYPEREAL_DATA_DIR: dir,
        DATABASE_URL: bench.url,
        REDIS_URL: redis.url,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      ready: /Hypereal gateway on (http:\/\/\S+?)(?:\s|$)/,
      timeoutMs: 60_000,
    }),
  ),
);
const nginx = await startNginx(replicas.map((replica) => replica.url));
const connections = new LoadConnections(nginx.url);
const body = Buffer.from(
  JSON.stringify({
    model: 'deepseek-v3.2',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Count to three [[sim:reply_tokens=10]]' }],
  }),
);

/** Worker `i` sends key `i mod K`. */
const target = {
  connections,
  path: '/v1/chat/completions',
  headers: keys.map((key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })),
  body,
  stream: false,
  completeMarker: '"chat.completion"',
};
let answered = 0;
/** Sends `count` calls (or fewer, at the deadline); counts the answered ones. */
async function drive(count: number, deadline: number): Promise<LoadResult> {
  const result = await runLoad(target, { requests: count, concurrency, deadline });
  answered += result.requests - result.failures;
  return result;
}

interface Counters {
  xactCommit: number;
  xactRollback: number;
  tables: Map<string, number>;
  redisCalls: number;
  redisCommands: Map<string, number>;
  cpu: Map<string, number>;
}

/** The PostgreSQL processes that work for this run: our database's backends and the WAL writer. */
async function postgresPids(): Promise<number[]> {
  const rows = await stats.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE (datname = $1 AND pid <> pg_backend_pid()) OR backend_type = 'walwriter'`,
    [bench.database],
  );
  return rows.rows.map((row) => row.pid);
}

function cpuOf(pid: number): number {
  try {
    return readCpuMicros(pid);
  } catch {
    return 0;
  }
}

async function readCounters(): Promise<Counters> {
  // Backends report their statistics at most once a second (pgstat PGSTAT_MIN_INTERVAL) and when idle.
  await sleep(1_500);
  const database = await stats.query<{ xact_commit: string; xact_rollback: string }>(
    'SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1',
    [bench.database],
  );
  const tableRows = await stats.query<{ relname: string; written: string }>(
    `SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS written
       FROM pg_stat_user_tables WHERE schemaname = $1`,
    [bench.schema],
  );
  const commandStats = await redisClient.info('commandstats');
  let redisCalls = 0;
  const redisCommands = new Map<string, number>();
  for (const match of commandStats.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
    if (match[1] === 'info') continue;
    redisCalls += Number(match[2]);
    redisCommands.set(match[1]!, Number(match[2]));
  }
  const cpu = new Map<string, number>();
  for (const replica of replicas) cpu.set(replica.name, cpuOf(replica.pid));
  cpu.set('upstream-sim', cpuOf(sim.pid));
  let postgres = 0;
  for (const pid of await postgresPids()) {
    const value = cpuOf(pid);
    postgres += value;
    postgresCpuSeen.set(pid, value);
  }
  cpu.set('postgres', postgres);
  if (redis.pid !== undefined) cpu.set('redis', cpuOf(redis.pid));
  cpu.set(
    'nginx',
    nginxPids().reduce((sum, pid) => sum + cpuOf(pid), 0),
  );
  const own = process.cpuUsage();
  cpu.set('load generator', own.user + own.system);
  cpu.set('whole machine', machineBusyMicros());
  return {
    xactCommit: Number(database.rows[0]?.xact_commit ?? 0),
    xactRollback: Number(database.rows[0]?.xact_rollback ?? 0),
    tables: new Map(tableRows.rows.map((row) => [row.relname, Number(row.written)])),
    redisCalls,
    redisCommands,
    cpu,
  };
}
const postgresCpuSeen = new Map<number, number>();

/** Busy CPU time of the whole machine (every core, every process), µs: /proc/stat's first line. */
function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const busy = ticks
    .slice(0, 8)
    .reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
  return (busy * 1_000_000) / clockTicksPerSecond();
}

/** nginx's master and worker (the worker does the proxying), found by the generated prefix. */
function nginxPids(): number[] {
  const port = new URL(nginx.url).port;
  try {
    const out = spawnSyncText('ss', ['-tlnpH', `sport = :${port}`]);
    return [...out.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]));
  } catch {
    return [];
  }
}
function spawnSyncText(command: string, args: string[]): string {
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  return execFileSync(command, args, { encoding: 'utf8' });
}

try {
  console.error(
    `${replicaCount} replicas (pids ${replicas.map((replica) => replica.pid).join(', ')}) behind nginx ${nginx.url}, ` +
      `PostgreSQL ${bench.database}/${bench.schema}, Redis ${redis.url}; one user, ${keyCount} key(s), c=${concurrency}`,
  );
  const warmup = await drive(warmupRequests, Date.now() + 30_000);
  if (warmup.failures > 0) console.log(`warm-up: ${warmup.failures} failed, e.g.:`, warmup.failureSamples);
  const before = await readCounters();
  const answeredBefore = answered;
  const started = performance.now();
  const load = await drive(requests, Date.now() + maxSeconds * 1000);
  const sent = load.requests;
  const wallSeconds = (performance.now() - started) / 1000;
  const measured = answered - answeredBefore;
  const after = await readCounters();

  const perRequest = (value: number) => value / sent;
  console.log(
    `\none user through ${replicaCount} replicas on PostgreSQL, ${keyCount} key(s), c=${concurrency}, 0 ms upstream`,
  );
  console.log(
    `${sent} requests in ${wallSeconds.toFixed(1)} s: ${Math.round(sent / wallSeconds)} req/s (${measured} answered 200)`,
  );
  if (load.failures > 0) console.log(`${load.failures} failed, e.g.:`, load.failureSamples);
  console.log('\nCPU per request (µs) and share of the wall clock (1.00 = one core):');
  let total = 0;
  for (const [name, value] of after.cpu) {
    const used = value - (before.cpu.get(name) ?? 0);
    if (name === 'whole machine') {
      const others = used - total;
      console.log(
        `  ${'all of the above'.padEnd(16)} ${Math.round(perRequest(total)).toString().padStart(6)} µs   ${(total / 1e6 / wallSeconds).toFixed(2)} cores`,
      );
      console.log(
        `  ${'(other work)'.padEnd(16)} ${Math.round(perRequest(others)).toString().padStart(6)} µs   ${(others / 1e6 / wallSeconds).toFixed(2)} cores`,
      );
      console.log(
        `  ${'whole machine'.padEnd(16)} ${Math.round(perRequest(used)).toString().padStart(6)} µs   ${(used / 1e6 / wallSeconds).toFixed(2)} cores of ${availableParallelism()}`,
      );
      continue;
    }
    total += used;
    console.log(
      `  ${name.padEnd(16)} ${Math.round(perRequest(used)).toString().padStart(6)} µs   ${(used / 1e6 / wallSeconds).toFixed(2)} cores`,
    );
  }
  console.log('\nPostgreSQL per request:');
  console.log(
    `  transactions (≈ round trips outside explicit transactions): ${perRequest(after.xactCommit - before.xactCommit + after.xactRollback - before.xactRollback).toFixed(2)}` +
      ` (${after.xactRollback - before.xactRollback} rolled back)`,
  );
  const written = [...after.tables]
    .map(([table, value]) => [table, value - (before.tables.get(table) ?? 0)] as const)
    .filter(([, value]) => value > 0)
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `  rows written: ${written.map(([table, value]) => `${table} ${perRequest(value).toFixed(2)}`).join(', ')}`,
  );
  const redisDeltas = [...after.redisCommands]
    .map(([name, value]) => [name, value - (before.redisCommands.get(name) ?? 0)] as const)
    .filter(([, value]) => value > 0)
    .map(([name, value]) => `${name} ${perRequest(value).toFixed(2)}`);
  console.log(
    `Redis commands per request: ${perRequest(after.redisCalls - before.redisCalls).toFixed(2)} (${redisDeltas.join(', ')})`,
  );

  // The money, once every replica has settled and returned its idle credit leases (1 s + a tick).
  await sleep(1_750);
  const balance = await getBalance(db, user.id);
  const sum = await ledgerSum(db, user.id);
  const logged = Number(
    (await db.get<{ rows: number }>('SELECT COUNT(*) AS rows FROM request_logs WHERE user_id = ?', [user.id]))
      ?.rows ?? 0,
  );
  const openHolds = Number(
    (
      await db.get<{ rows: number }>(
        "SELECT COUNT(*) AS rows FROM holds WHERE user_id = ? AND status = 'open'",
        [user.id],
      )
    )?.rows ?? 0,
  );
  const checks = [
    [`balance ${balance.balanceMicro} = ledger sum ${sum}`, balance.balanceMicro === sum],
    [`nothing held (${balance.heldMicro} µcr in ${openHolds} holds)`, balance.heldMicro === 0],
    [`one log row per answered request (${logged} rows, ${answered} answered)`, logged === answered],
  ] as const;
  console.log('\nchecks:');
  for (const [text, ok] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
} finally {
  connections.close();
  await nginx.close();
  await stopChildren();
  await db.close();
  await stats.end();
  redisClient.disconnect();
  redis.stop();
}
