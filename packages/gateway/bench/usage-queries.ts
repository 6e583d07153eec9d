/**
 * `npm run bench:usage`: do the account usage analytics stay fast on a big request log?
 *
 * Builds a fresh database (SQLite in a temp dir; PostgreSQL too with --postgres), runs the
 * migrations, creates 50 users with API keys and bulk-inserts N request_logs rows (1,000,000 by
 * default) over 90 days: one "heavy" user owns ~40% of them, the other 49 a Zipf tail; a dozen
 * models; ~92.5% 200s, the rest 4xx/5xx with error messages. Then it times every query
 * `GET /api/api-usage` runs (src/usage/analytics.ts, called directly) for the heavy and the lightest
 * user, over 30 and 90 days, unfiltered and with each filter, plus the route's five queries together,
 * and prints each plan (EXPLAIN QUERY PLAN / EXPLAIN) with the index it uses. A CSV export of the
 * heavy user's 90 days goes through streamUsageLogs + usageCsvLine as the export route sends it
 * (rows/s, page query times, memory). Last, PROPOSED_INDEXES (candidates for a migration, NOT in
 * migrations.ts) are applied to the bench's own database and everything is timed again. Then
 * the usage rollup (src/usage/rollup-build.ts) is built as the server's first run would (timed,
 * with its slowest chunk) and the totals are timed again reading it for the closed days.
 *
 * Options:
 *   --rows N          rows to insert (1000000)
 *   --postgres URL    also bench PostgreSQL; the URL's database name must contain "bench": it is
 *                     dropped and re-created
 *   --pg-rows N       rows for PostgreSQL (250000, or --rows if smaller; 10000000 loads in ~15 min)
 *   --skip-sqlite     PostgreSQL only
 *   --runs N          timed runs per query after one warm-up (5; 3 for a query over a second)
 *   --deep-offset N   the deep page's OFFSET (50000)
 *   --analyze         run ANALYZE on SQLite before timing (the gateway never does)
 *   --no-proposals    skip the proposed-index pass
 *   --no-rollup       skip the rollup pass
 *   --keep            keep the SQLite file; --reuse FILE times such a file instead of inserting
 *   --only Q,…        time only queries whose name contains one of these (`export` for the export)
 *   --out FILE        JSON results (bench/results/usage-queries.json)
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { createApiKey, createUser } from '../src/accounts/index.ts';
import { type Database, openDatabase, type Queryable, type SqlParam } from '../src/db/index.ts';
import {
  costByModel,
  dailyCost,
  streamUsageLogs,
  topExpensive,
  type UsageFilter,
  usageCount,
  usageLogs,
} from '../src/usage/analytics.ts';
import { csvRow, usageCsvHeader, usageCsvLine } from '../src/usage/csv.ts';
import { type RollupRun, runUsageRollup } from '../src/usage/rollup-build.ts';
import { seeded } from './bodies.ts';
import { resetPeakRss } from './proc.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    postgres: { type: 'string' },
    'pg-rows': { type: 'string' },
    runs: { type: 'string', default: '5' },
    'deep-offset': { type: 'string', default: '50000' },
    analyze: { type: 'boolean', default: false },
    'no-proposals': { type: 'boolean', default: false },
    'no-rollup': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    'skip-sqlite': { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, 'results', 'usage-queries.json') },
  },
});
const positiveInt = (name: string, raw: string | undefined): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const ROWS = positiveInt('rows', values.rows);
/** PostgreSQL plans more cases in parallel and each takes longer: a smaller default keeps the run short. */
const PG_ROWS = positiveInt('pg-rows', values['pg-rows'] ?? String(Math.min(ROWS, 250_000)));
const RUNS = positiveInt('runs', values.runs);
const DEEP_OFFSET = positiveInt('deep-offset', values['deep-offset']);

const DAY_MS = 86_400_000;
const SPAN_DAYS = 90;
const USERS = 50;
const HEAVY_SHARE = 0.4;
/** The brief's bar: a query slower than this (median, SQLite, 1M rows) wants a better plan. */
const SLOW_MS = 200;

// ---------------------------------------------------------------------------------------------
// Synthetic data

interface ModelSpec {
  id: string;
  provider: string;
  endpoint: string;
  weight: number;
  /** USD per million tokens = micro-credits per token. */
  input: number;
  output: number;
  reasoning?: boolean;
}

const MODELS: readonly ModelSpec[] = [
  {
    id: 'gpt-5.2',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    weight: 17,
    input: 1.75,
    output: 14,
    reasoning: true,
  },
  {
    id: 'gpt-5-mini',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    weight: 14,
    input: 0.25,
    output: 2,
  },
  {
    id: 'gpt-5.3-codex',
    provider: 'openai',
    endpoint: '/v1/responses',
    weight: 8,
    input: 1.75,
    output: 14,
    reasoning: true,
  },
  {
    id: 'claude-sonnet-4-6',
    provider: 'anthropic',
    endpoint: '/v1/messages',
    weight: 16,
    input: 3,
    output: 15,
  },
  {
    id: 'claude-opus-4-6',
    provider: 'anthropic',
    endpoint: '/v1/messages',
    weight: 3,
    input: 5,
    output: 25,
    reasoning: true,
  },
  { id: 'claude-haiku-4-5', provider: 'anthropic', endpoint: '/v1/messages', weight: 8, input: 1, output: 5 },
  {
    id: 'gemini-3-pro',
    provider: 'google',
    endpoint: '/v1/chat/completions',
    weight: 6,
    input: 2,
    output: 12,
    reasoning: true,
  },
  {
    id: 'gemini-3-flash',
    provider: 'google',
    endpoint: '/v1/chat/completions',
    weight: 9,
    input: 0.5,
    output: 3,
  },
  {
    id: 'deepseek-v3.2',
    provider: 'deepseek',
    endpoint: '/v1/chat/completions',
    weight: 7,
    input: 0.28,
    output: 0.42,
  },
  {
    id: 'qwen3-coder',
    provider: 'openrouter',
    endpoint: '/v1/chat/completions',
    weight: 4,
    input: 0.3,
    output: 1.2,
  },
  {
    id: 'llama-4-maverick:free',
    provider: 'openrouter',
    endpoint: '/v1/chat/completions',
    weight: 4,
    input: 0,
    output: 0,
  },
  {
    id: 'text-embedding-3-small',
    provider: 'openai',
    endpoint: '/v1/embeddings',
    weight: 4,
    input: 0.02,
    output: 0,
  },
];

/** Cumulative status distribution: ~92.5% 200, ~5% 4xx, ~2.5% 5xx. */
const STATUSES: ReadonlyArray<{
  status: number;
  p: number;
  code: string | null;
  message: (m: ModelSpec) => string | null;
}> = [
  { status: 200, p: 0.925, code: null, message: () => null },
  {
    status: 400,
    p: 0.94,
    code: 'invalid_request',
    message: () => 'Invalid request: messages[3].content must be a string or an array of parts',
  },
  {
    status: 401,
    p: 0.945,
    code: 'upstream_auth',
    message: (m) => `The ${m.provider} provider rejected the gateway's credentials`,
  },
  {
    status: 402,
    p: 0.95,
    code: 'insufficient_credits',
    message: () => 'Insufficient credits: this request may cost up to 0.42 credits',
  },
  {
    status: 429,
    p: 0.975,
    code: 'rate_limited',
    message: () => 'Rate limit exceeded: 60 requests per minute for this key',
  },
  {
    status: 500,
    p: 0.985,
    code: 'upstream_error',
    message: (m) => `Upstream ${m.provider} error: internal server error`,
  },
  {
    status: 502,
    p: 0.993,
    code: 'bad_upstream_response',
    message: (m) => `Upstream ${m.provider} returned an invalid response`,
  },
  { status: 503, p: 0.996, code: 'no_provider', message: (m) => `No provider available for model ${m.id}` },
  {
    status: 504,
    p: 1,
    code: 'upstream_timeout',
    message: (m) => `Upstream ${m.provider} timed out after 120000 ms`,
  },
];

const COLUMNS = [
  'id',
  'user_id',
  'key_id',
  'endpoint',
  'model',
  'provider',
  'upstream_model',
  'status',
  'stream',
  'latency_ms',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'usage_source',
  'cost_micro',
  'error_code',
  'error_message',
  'response_id',
  'model_rule',
  'created_at',
] as const;

interface Fixture {
  now: number;
  users: Array<{ id: string; email: string; keys: string[]; share: number }>;
  heavy: { id: string; keys: string[] };
  light: { id: string; keys: string[] };
}

/** Picks an index from a cumulative distribution (binary search). */
function pick(cumulative: Float64Array, r: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (r < cumulative[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

function cumulativeOf(weights: readonly number[]): Float64Array {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const out = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    out[i] = acc;
  }
  out[out.length - 1] = 1;
  return out;
}

async function createAccounts(db: Database): Promise<Fixture> {
  // Shares: the heavy user 40%, the other 49 a Zipf tail (s = 1) over the remaining 60%.
  const harmonic = Array.from({ length: USERS - 1 }, (_, i) => 1 / (i + 1));
  const harmonicSum = harmonic.reduce((a, b) => a + b, 0);
  const shares = [HEAVY_SHARE, ...harmonic.map((h) => ((1 - HEAVY_SHARE) * h) / harmonicSum)];
  const users: Fixture['users'] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await createUser(db, { email: `bench-user-${i}@example.com` });
    const keyCount = i === 0 ? 6 : 1 + (i % 3);
    const keys: string[] = [];
    for (let k = 0; k < keyCount; k++) {
      keys.push(
        (await createApiKey(db, { userId: user.id, name: `key ${k + 1} of ${user.email}` })).record.id,
      );
    }
    users.push({ id: user.id, email: user.email, keys, share: shares[i]! });
  }
  const heavy = users[0]!;
  const light = users[users.length - 1]!;
  return { now: Date.now(), users, heavy, light };
}

/** The accounts of a database made by an earlier run (--reuse): users bench-user-N, keys in creation order. */
async function loadAccounts(db: Database): Promise<Fixture> {
  const users = await db.all<{ id: string; email: string }>(
    "SELECT id, email FROM users WHERE email LIKE 'bench-user-%' ORDER BY CAST(SUBSTR(email, 12, 4) AS INTEGER)",
  );
  if (users.length !== USERS)
    throw new Error(`--reuse: expected ${USERS} bench users, found ${users.length}`);
  const fixtureUsers: Fixture['users'] = [];
  for (const user of users) {
    const keys = await db.all<{ id: string }>('SELECT id FROM api_keys WHERE user_id = ? ORDER BY id', [
      user.id,
    ]);
    fixtureUsers.push({ ...user, keys: keys.map((key) => key.id), share: 0 });
  }
  const last = await db.get<{ at: number }>('SELECT MAX(created_at) AS at FROM request_logs');
  // The rows end a minute before the original run's "now".
  return {
    now: Number(last?.at ?? Date.now()) + 60_000,
    users: fixtureUsers,
    heavy: fixtureUsers[0]!,
    light: fixtureUsers[fixtureUsers.length - 1]!,
  };
}

/** One row's 21 column values, in COLUMNS order, appended to `out`. */
function makeRowWriter(
  fixture: Fixture,
  total: number,
  seed = 20_260_101,
  processPart = 'b0e5c4a1d2f3',
): (index: number, out: SqlParam[]) => void {
  const random = seeded(seed);
  const userCumulative = cumulativeOf(fixture.users.map((u) => u.share));
  const modelCumulative = cumulativeOf(MODELS.map((m) => m.weight));
  // Within a user, the first key carries most traffic.
  const keyCumulatives = fixture.users.map((u) => cumulativeOf(u.keys.map((_, k) => 1 / (k + 1) ** 1.5)));
  const start = fixture.now - SPAN_DAYS * DAY_MS;
  const span = SPAN_DAYS * DAY_MS - 60_000;
  const gaussian = (): number => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const logNormal = (mu: number, sigma: number, min: number, max: number): number =>
    Math.min(max, Math.max(min, Math.round(Math.exp(mu + sigma * gaussian()))));

  return (index, out) => {
    // Time-ordered like the live table: row i lands at an even share of the span, with jitter.
    const createdAt = start + Math.floor(((index + random()) * span) / total);
    const userIndex = pick(userCumulative, random());
    const user = fixture.users[userIndex]!;
    const keyId = user.keys[pick(keyCumulatives[userIndex]!, random())]!;
    const model = MODELS[pick(modelCumulative, random())]!;
    const r = random();
    const outcome = STATUSES.find((s) => r < s.p) ?? STATUSES[0]!;
    const ok = outcome.status === 200;
    const embeddings = model.endpoint === '/v1/embeddings';
    const prompt = ok || outcome.status >= 500 ? logNormal(7, 1.3, 5, 200_000) : 0;
    const completion = ok && !embeddings ? logNormal(5.5, 1.1, 1, 32_000) : 0;
    const cached = ok && !embeddings && random() < 0.35 ? Math.floor(prompt * random() * 0.9) : 0;
    const reasoning = ok && model.reasoning ? Math.floor(completion * random() * 0.6) : 0;
    const cost = ok
      ? Math.round((prompt - cached) * model.input + cached * model.input * 0.1 + completion * model.output)
      : 0;
    const latency = ok
      ? logNormal(7.3, 0.8, 40, 300_000)
      : outcome.status === 504
        ? 120_000
        : logNormal(5, 1, 3, 30_000);
    const id = `req_${createdAt.toString(36).padStart(9, '0')}${processPart}${(index % 0x1000000).toString(16).padStart(6, '0')}`;
    out.push(
      id,
      user.id,
      keyId,
      model.endpoint,
      model.id,
      outcome.status === 402 || outcome.status === 400 ? null : model.provider,
      outcome.status === 402 || outcome.status === 400 ? null : model.id,
      outcome.status,
      !embeddings && random() < 0.6 ? 1 : 0,
      latency,
      prompt,
      completion,
      cached,
      reasoning,
      ok ? 'upstream' : null,
      cost,
      outcome.code,
      outcome.message(model),
      ok && model.endpoint === '/v1/responses' ? `resp_${id.slice(4)}` : null,
      'catalog',
      createdAt,
    );
  };
}

interface InsertStats {
  rows: number;
  ms: number;
  rowsPerSecond: number;
  batchRows: number;
  transactionRows: number;
  dbBytes?: number;
  /** --reuse: the SQLite file timed instead of inserting. */
  reused?: string;
}

/** PostgreSQL column types for the `unnest` bulk insert, in COLUMNS order. */
const PG_TYPES: Record<(typeof COLUMNS)[number], string> = {
  id: 'text',
  user_id: 'text',
  key_id: 'text',
  endpoint: 'text',
  model: 'text',
  provider: 'text',
  upstream_model: 'text',
  status: 'int',
  stream: 'int',
  latency_ms: 'int',
  prompt_tokens: 'int',
  completion_tokens: 'int',
  cached_tokens: 'int',
  reasoning_tokens: 'int',
  usage_source: 'text',
  cost_micro: 'bigint',
  error_code: 'text',
  error_message: 'text',
  response_id: 'text',
  model_rule: 'text',
  created_at: 'bigint',
};

/**
 * PostgreSQL at 10 M rows: one `INSERT … SELECT FROM unnest(21 arrays)` per 10,000 rows — 21
 * bound parameters instead of 210,000, so the load takes minutes, not the better part of an hour.
 * The rows are the same as the VALUES path writes (same generator, same seed).
 */
async function insertLogsUnnest(db: Database, fixture: Fixture, total: number): Promise<InsertStats> {
  const batchRows = 10_000;
  const transactionRows = 100_000;
  const sql = `INSERT INTO request_logs (${COLUMNS.join(', ')}) SELECT * FROM unnest(${COLUMNS.map((column) => `?::${PG_TYPES[column]}[]`).join(', ')})`;
  const writeRow = makeRowWriter(fixture, total);
  const started = performance.now();
  let done = 0;
  let lastReport = started;
  const row: SqlParam[] = [];
  while (done < total) {
    const txEnd = Math.min(total, done + transactionRows);
    await db.transaction(async (tx) => {
      while (done < txEnd) {
        const rows = Math.min(batchRows, txEnd - done);
        const columns: SqlParam[][] = COLUMNS.map(() => []);
        for (let i = 0; i < rows; i++) {
          row.length = 0;
          writeRow(done + i, row);
          for (let c = 0; c < columns.length; c++) columns[c]!.push(row[c]!);
        }
        // pg serialises a JS array parameter as a PostgreSQL array literal.
        await tx.run(sql, columns as unknown as SqlParam[]);
        done += rows;
      }
    });
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(`  … ${done.toLocaleString('en-US')} rows, ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  const ms = performance.now() - started;
  return {
    rows: total,
    ms: round(ms),
    rowsPerSecond: Math.round((total * 1000) / ms),
    batchRows,
    transactionRows,
  };
}

async function insertLogs(db: Database, fixture: Fixture, total: number): Promise<InsertStats> {
  if (db.engine === 'postgres') return insertLogsUnnest(db, fixture, total);
  // SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535; 21 columns per row.
  const batchRows = db.engine === 'sqlite' ? 500 : 2000;
  const transactionRows = db.engine === 'sqlite' ? 100_000 : 20_000;
  const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
  const sqlFor = (rows: number) =>
    `INSERT INTO request_logs (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => placeholders).join(', ')}`;
  const fullSql = sqlFor(batchRows);
  const writeRow = makeRowWriter(fixture, total);
  const started = performance.now();
  let done = 0;
  let lastReport = started;
  while (done < total) {
    const txEnd = Math.min(total, done + transactionRows);
    await db.transaction(async (tx) => {
      while (done < txEnd) {
        const rows = Math.min(batchRows, txEnd - done);
        const params: SqlParam[] = [];
        for (let i = 0; i < rows; i++) writeRow(done + i, params);
        await tx.run(rows === batchRows ? fullSql : sqlFor(rows), params);
        done += rows;
      }
    });
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(`  … ${done.toLocaleString('en-US')} rows, ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  const ms = performance.now() - started;
  return {
    rows: total,
    ms: round(ms),
    rowsPerSecond: Math.round((total * 1000) / ms),
    batchRows,
    transactionRows,
  };
}

// ---------------------------------------------------------------------------------------------
// Timing

type FilterName = 'none' | 'model' | 'status=5xx' | 'q' | 'keyId';
const FILTERS: readonly FilterName[] = ['none', 'model', 'status=5xx', 'q', 'keyId'];
const FILTER_MODEL = 'claude-sonnet-4-6';
const FILTER_Q = 'timeout';

type QueryName =
  | 'logs 100@0'
  | 'logs 1000@0'
  | 'logs 100@deep'
  | 'count'
  | 'costByModel'
  | 'topExpensive'
  | 'dailyCost'
  | 'GET /api/api-usage';
const QUERIES: readonly QueryName[] = [
  'logs 100@0',
  'logs 1000@0',
  'logs 100@deep',
  'count',
  'costByModel',
  'topExpensive',
  'dailyCost',
  'GET /api/api-usage',
];

interface Case {
  user: 'heavy' | 'light';
  days: 30 | 90;
  filter: FilterName;
  query: QueryName;
}

interface CaseResult extends Case {
  rows: number;
  medianMs: number;
  p95Ms: number;
  samplesMs: number[];
  plan?: PlanSummary;
}

interface PlanSummary {
  /** Indexes the request_logs side of the plan uses, in plan order. */
  indexes: string[];
  /** True when request_logs is read without any index (a full table scan). */
  fullScan: boolean;
  /** Sorting the plan adds (temp B-trees / Sort nodes). */
  sort: boolean;
  gist: string;
  lines: string[];
}

function filterFor(fixture: Fixture, c: Pick<Case, 'user' | 'days' | 'filter'>): UsageFilter {
  const user = c.user === 'heavy' ? fixture.heavy : fixture.light;
  const filter: UsageFilter = { userId: user.id, sinceMs: fixture.now - c.days * DAY_MS };
  if (c.filter === 'model') filter.model = FILTER_MODEL;
  if (c.filter === 'status=5xx') filter.status = '5xx';
  if (c.filter === 'q') filter.q = FILTER_Q;
  if (c.filter === 'keyId') filter.keyId = user.keys[1] ?? user.keys[0]!;
  return filter;
}

/** Runs one query as the route would and returns how many rows (or series points) it produced. */
async function runQuery(
  db: Queryable,
  filter: UsageFilter,
  query: QueryName,
  until: number,
  rolledThroughDay?: number,
): Promise<number> {
  switch (query) {
    case 'logs 100@0':
      return (await usageLogs(db, filter, { limit: 100, offset: 0 })).length;
    case 'logs 1000@0':
      return (await usageLogs(db, filter, { limit: 1000, offset: 0 })).length;
    case 'logs 100@deep':
      return (await usageLogs(db, filter, { limit: 100, offset: DEEP_OFFSET })).length;
    case 'count':
      return usageCount(db, filter, rolledThroughDay);
    case 'costByModel':
      return (await costByModel(db, filter, rolledThroughDay)).length;
    case 'topExpensive':
      return (await topExpensive(db, filter, 10)).length;
    case 'dailyCost':
      return (await dailyCost(db, filter, until, rolledThroughDay)).length;
    case 'GET /api/api-usage': {
      // The route's Promise.all: on SQLite (synchronous driver) these run one after another.
      const [logs] = await Promise.all([
        usageLogs(db, filter, { limit: 100, offset: 0 }),
        usageCount(db, filter, rolledThroughDay),
        costByModel(db, filter, rolledThroughDay),
        topExpensive(db, filter, 10),
        dailyCost(db, filter, until, rolledThroughDay),
      ]);
      return logs.length;
    }
  }
}

/** A Queryable that passes through and remembers the statements it saw. */
function recorder(db: Queryable): { db: Queryable; calls: Array<{ sql: string; params: SqlParam[] }> } {
  const calls: Array<{ sql: string; params: SqlParam[] }> = [];
  const note = (sql: string, params: readonly SqlParam[] = []) => calls.push({ sql, params: [...params] });
  return {
    calls,
    db: {
      all: (sql, params) => {
        note(sql, params);
        return db.all(sql, params);
      },
      get: (sql, params) => {
        note(sql, params);
        return db.get(sql, params);
      },
      run: (sql, params) => {
        note(sql, params);
        return db.run(sql, params);
      },
    },
  };
}

async function explain(db: Database, sql: string, params: SqlParam[]): Promise<PlanSummary> {
  if (db.engine === 'sqlite') {
    const rows = await db.all<{ id: number; parent: number; detail: string }>(
      `EXPLAIN QUERY PLAN ${sql}`,
      params,
    );
    const lines = rows.map((row) => row.detail);
    const mine = lines.filter((line) => /\b(SCAN|SEARCH) l\b/.test(line));
    const indexes = mine.flatMap((line) => /USING (?:COVERING )?INDEX (\w+)/.exec(line)?.[1] ?? []);
    const sort = lines.some((line) => /TEMP B-TREE/.test(line));
    const gist = [...mine, ...lines.filter((line) => /TEMP B-TREE/.test(line))]
      .map((line) => line.replace(/^(SCAN|SEARCH) l /, '$1 '))
      .join('; ');
    return { indexes, fullScan: mine.some((line) => /^SCAN l$/.test(line)), sort, gist, lines };
  }
  const rows = await db.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
  const lines = rows.map((row) => row['QUERY PLAN']);
  // Plan nodes only (the first line and every "->" line), without costs or conditions.
  const nodes = lines
    .filter((line, i) => i === 0 || /^\s*->/.test(line))
    .map((line) =>
      line
        .replace(/^\s*(->\s+)?/, '')
        .replace(/\s+\(cost=.*\)$/, '')
        .replace(/ on request_logs l$/, '')
        .trim(),
    );
  const indexes = [
    ...new Set(
      lines.flatMap(
        (line) => /Index (?:Only )?Scan(?: Backward)? using (\w+) on request_logs/.exec(line)?.[1] ?? [],
      ),
    ),
    ...new Set(lines.flatMap((line) => /Bitmap Index Scan on (request_logs\w*)/.exec(line)?.[1] ?? [])),
  ];
  return {
    indexes,
    fullScan: lines.some((line) => /Seq Scan on request_logs/.test(line)),
    sort: nodes.some((node) => /Sort/.test(node)),
    gist: nodes.join(' → '),
    lines,
  };
}

async function timeCase(
  db: Database,
  fixture: Fixture,
  c: Case,
  runs: number,
  withPlan: boolean,
  rolledThroughDay?: number,
): Promise<CaseResult> {
  const filter = filterFor(fixture, c);
  const until = fixture.now;
  const recording = recorder(db);
  const warmUpStarted = performance.now();
  const rows = await runQuery(recording.db, filter, c.query, until, rolledThroughDay); // warm-up, and capture the SQL
  // Keep the whole bench within a few minutes: a query slower than a second gets 3 runs.
  const times = performance.now() - warmUpStarted > 1000 ? Math.min(runs, 3) : runs;
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await runQuery(db, filter, c.query, until, rolledThroughDay);
    samples.push(performance.now() - started);
  }
  const result: CaseResult = { ...c, rows, ...summarise(samples) };
  if (withPlan && c.query !== 'GET /api/api-usage' && recording.calls[0]) {
    result.plan = await explain(db, recording.calls[0].sql, recording.calls[0].params);
  }
  return result;
}

function summarise(samples: number[]): { medianMs: number; p95Ms: number; samplesMs: number[] } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return { medianMs: round(at(0.5)), p95Ms: round(at(0.95)), samplesMs: samples.map(round) };
}

// ---------------------------------------------------------------------------------------------
// CSV export, as GET /api/api-usage/export streams it

interface ExportResult {
  user: 'heavy' | 'light';
  days: number;
  filter: FilterName;
  rows: number;
  bytes: number;
  ms: number;
  rowsPerSecond: number;
  pageQueries: number;
  rssBeforeMb: number;
  /** VmHWM during the export minus RSS before it. */
  peakRssGrowthMb: number;
  /**
   * After a forced GC at 10%, 25%, 50%, 75% and 100% of the rows: live JS heap and RSS, as growth
   * over the same readings before the export. Flat memory ⇒ the columns stay level as rows grow.
   */
  checkpoints: Array<{ rows: number; heapGrowthMb: number; rssGrowthMb: number }>;
  /** Time spent in those forced GCs, excluded from `ms`. */
  gcMs: number;
  /** Plans of the first page query and of a cursor (later page) query. */
  plans: PlanSummary[];
  /** Slowest single page query, ms (a cursor that rescans from the top grows with depth). */
  slowestPageMs: number;
  firstPageMs: number;
  lastPageMs: number;
}

async function timeExport(
  db: Database,
  fixture: Fixture,
  c: Pick<Case, 'user' | 'days' | 'filter'>,
): Promise<ExportResult> {
  const filter = filterFor(fixture, c);
  const expected = await usageCount(db, filter);
  const pageTimes: number[] = [];
  const calls: Array<{ sql: string; params: SqlParam[] }> = [];
  // Times each page query and keeps the first two statements for EXPLAIN.
  const timed: Queryable = {
    all: async (sql, params) => {
      if (calls.length < 2 && !calls.some((call) => call.sql === sql))
        calls.push({ sql, params: [...(params ?? [])] });
      const started = performance.now();
      const rows = await db.all(sql, params);
      pageTimes.push(performance.now() - started);
      return rows as never;
    },
    get: (sql, params) => db.get(sql, params),
    run: (sql, params) => db.run(sql, params),
  };
  let rows = 0;
  let bytes = 0;
  let gcMs = 0;
  const marks = new Set([0.1, 0.25, 0.5, 0.75].map((f) => Math.max(1, Math.floor(expected * f))));
  const checkpoints: ExportResult['checkpoints'] = [];
  const mb = (value: number) => round(value / 1048576);
  const checkpoint = () => {
    const started = performance.now();
    collectGarbage();
    const memory = process.memoryUsage();
    gcMs += performance.now() - started;
    checkpoints.push({
      rows,
      heapGrowthMb: mb(memory.heapUsed - before.heapUsed),
      rssGrowthMb: mb(memory.rss - before.rss),
    });
  };
  async function* lines() {
    yield `\uFEFF${csvRow(usageCsvHeader)}`;
    for await (const row of streamUsageLogs(timed, filter)) {
      rows++;
      if (marks.has(rows)) checkpoint();
      yield usageCsvLine(row);
    }
  }
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  collectGarbage();
  const before = process.memoryUsage();
  resetPeakRss(process.pid);
  const started = performance.now();
  await pipeline(Readable.from(lines()), sink);
  checkpoint();
  const ms = performance.now() - started - gcMs;
  const peakRss = Math.max(readVmHwm() ?? 0, before.rss);
  if (rows !== expected) throw new Error(`export returned ${rows} rows, COUNT(*) says ${expected}`);
  const plans: PlanSummary[] = [];
  for (const call of calls) plans.push(await explain(db, call.sql, call.params));
  return {
    ...c,
    rows,
    bytes,
    ms: round(ms),
    rowsPerSecond: Math.round((rows * 1000) / ms),
    pageQueries: pageTimes.length,
    rssBeforeMb: mb(before.rss),
    peakRssGrowthMb: mb(peakRss - before.rss),
    checkpoints,
    gcMs: round(gcMs),
    plans,
    slowestPageMs: round(Math.max(...pageTimes)),
    firstPageMs: round(pageTimes[0] ?? Number.NaN),
    lastPageMs: round(pageTimes.at(-1) ?? Number.NaN),
  };
}

/** A full GC, so heap readings count live objects only (gc is exposed at run time, no node flag needed). */
const collectGarbage: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') return () => void gc();
  } catch {}
  return () => {};
})();

function readVmHwm(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Candidate indexes (NOT in migrations.ts: created here, in the bench's own database, to show their effect)

interface ProposedIndex {
  name: string;
  /** Statements, in order (a proposal may replace an index). */
  sql: string[];
  why: string;
}

/**
 * Index changes to try on the bench's own database, timed against the current schema
 * (`--no-proposals` skips them). Empty: the last proposal — one covering
 * (user_id, created_at, model, cost_micro, status, key_id) index in place of two — is now
 * in migration 5, so status and key filters are answered from the index.
 */
const PROPOSED_INDEXES: readonly ProposedIndex[] = [];

// ---------------------------------------------------------------------------------------------
// The write side: what the indexes cost the gateway's hot path

interface HotInsert {
  rows: number;
  microsPerRow: number;
}

/**
 * Single-row INSERTs, as the gateway logs each request, into the full table; rolled back so the
 * timed data stay as they were. Index maintenance is the part that differs between schemas.
 */
async function timeHotInserts(db: Database, fixture: Fixture, rows = 20_000): Promise<HotInsert> {
  const writeRow = makeRowWriter(fixture, rows, 7, 'f00d00000001');
  const sql = `INSERT INTO request_logs (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
  const rollback = new Error('rollback');
  let ms = 0;
  try {
    await db.transaction(async (tx) => {
      const started = performance.now();
      for (let i = 0; i < rows; i++) {
        const params: SqlParam[] = [];
        writeRow(i, params);
        await tx.run(sql, params);
      }
      ms = performance.now() - started;
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return { rows, microsPerRow: round((ms * 1000) / rows) };
}

// ---------------------------------------------------------------------------------------------
// Engines

interface EngineReport {
  engine: 'sqlite' | 'postgres';
  version: string;
  rows: number;
  setup: string;
  insert: InsertStats;
  cases: CaseResult[];
  exports: ExportResult[];
  hotInsert: HotInsert;
  /** The usage rollup built as the server's first run would, and the totals timed reading it. */
  rollup?: {
    build: RollupRun;
    /** A second run right after: nothing left to do. */
    again: RollupRun;
    rollupRows: number;
    cases: CaseResult[];
  };
  proposals?: {
    indexes: ProposedIndex[];
    createMs: number;
    dbBytes?: number;
    cases: CaseResult[];
    exports: ExportResult[];
    hotInsert: HotInsert;
  };
}

async function benchEngine(
  engine: 'sqlite' | 'postgres',
  requestedRows: number,
  url?: string,
): Promise<EngineReport> {
  let rows = requestedRows;
  let tempDir: string | undefined;
  let sqlitePath = ':memory:';
  const reuse = engine === 'sqlite' ? values.reuse : undefined;
  if (reuse) {
    sqlitePath = reuse;
  } else if (engine === 'sqlite') {
    tempDir = mkdtempSync(join(tmpdir(), 'hypereal-usage-bench-'));
    sqlitePath = join(tempDir, 'bench.db');
  } else {
    await recreatePostgresDatabase(url!);
  }
  progress(`\n== ${engine}: ${rows.toLocaleString('en-US')} request_logs rows ==`);
  const db = await openDatabase({ databaseUrl: url, sqlitePath });
  try {
    const version =
      engine === 'sqlite'
        ? `SQLite ${(await db.get<{ v: string }>('SELECT sqlite_version() AS v'))!.v}`
        : `PostgreSQL ${(await db.get<{ v: string }>("SELECT current_setting('server_version') AS v"))!.v}`;
    let fixture: Fixture;
    let insert: InsertStats;
    if (reuse) {
      fixture = await loadAccounts(db);
      rows = Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM request_logs'))?.n);
      insert = {
        rows,
        ms: Number.NaN,
        rowsPerSecond: Number.NaN,
        batchRows: 0,
        transactionRows: 0,
        reused: reuse,
      };
    } else {
      fixture = await createAccounts(db);
      progress(
        `inserting (${engine === 'sqlite' ? '500-row statements, 100k-row transactions' : '10,000-row unnest statements, 100k-row transactions'}) …`,
      );
      insert = await insertLogs(db, fixture, rows);
    }
    let setup = reuse
      ? `reused ${reuse} (--reuse; schema as found, no ANALYZE run by the bench)`
      : 'migrations only (no ANALYZE: the gateway never runs it)';
    if (engine === 'sqlite') {
      // Fold the bulk load's WAL back into the database, as the gateway's autocheckpoint would have.
      if (!reuse) await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      if (values.analyze) {
        await db.exec('ANALYZE');
        setup = 'ANALYZE run after the insert (--analyze)';
      }
    } else {
      // Production relies on autovacuum for statistics and the visibility map (index-only scans).
      await db.exec('VACUUM ANALYZE request_logs');
      setup = 'VACUUM ANALYZE request_logs after the insert (what autovacuum would do)';
    }
    if (!reuse) {
      progress(
        `inserted ${rows.toLocaleString('en-US')} rows in ${(insert.ms / 1000).toFixed(1)} s (${insert.rowsPerSecond.toLocaleString('en-US')} rows/s)`,
      );
    }
    const heavyRows = await usageCount(db, { userId: fixture.heavy.id, sinceMs: 0 });
    const lightRows = await usageCount(db, { userId: fixture.light.id, sinceMs: 0 });
    progress(
      `heavy user: ${heavyRows.toLocaleString('en-US')} rows; light user: ${lightRows.toLocaleString('en-US')} rows`,
    );

    const cases = await timeAll(db, fixture, allCases(), 'baseline');
    const exports = wantExports()
      ? [
          await timeExport(db, fixture, { user: 'heavy', days: 90, filter: 'none' }),
          // Once more: RSS growth the first time is mostly caches filling (SQLite's page cache, V8's
          // heap reservation); a second pass over the same rows shows the steady state.
          await timeExport(db, fixture, { user: 'heavy', days: 90, filter: 'none' }),
          await timeExport(db, fixture, { user: 'heavy', days: 30, filter: 'status=5xx' }),
          await timeExport(db, fixture, { user: 'light', days: 90, filter: 'none' }),
        ]
      : [];
    insert.dbBytes = await databaseBytes(db);
    const hotInsert = await timeHotInserts(db, fixture);
    const report: EngineReport = { engine, version, rows, setup, insert, cases, exports, hotInsert };

    if (!values['no-proposals'] && PROPOSED_INDEXES.length > 0) {
      progress(
        `\ncreating PROPOSED indexes in the bench database (not a migration): ${PROPOSED_INDEXES.map((p) => p.name).join(', ')}`,
      );
      const started = performance.now();
      for (const proposal of PROPOSED_INDEXES) for (const statement of proposal.sql) await db.exec(statement);
      if (engine === 'postgres') await db.exec('VACUUM ANALYZE request_logs');
      else if (values.analyze) await db.exec('ANALYZE');
      const createMs = round(performance.now() - started);
      const again = await timeAll(db, fixture, allCases(), 'with proposed indexes');
      const exportsAgain = wantExports()
        ? [await timeExport(db, fixture, { user: 'heavy', days: 90, filter: 'none' })]
        : [];
      report.proposals = {
        indexes: [...PROPOSED_INDEXES],
        createMs,
        dbBytes: await databaseBytes(db),
        cases: again,
        exports: exportsAgain,
        hotInsert: await timeHotInserts(db, fixture),
      };
    }
    if (!values['no-rollup']) {
      progress("\nbuilding the usage rollup (as the server's first run, without its pauses) …");
      const build = await runUsageRollup(db, { now: fixture.now, pauseRatio: 0 });
      const again = await runUsageRollup(db, { now: fixture.now, pauseRatio: 0 });
      if (engine === 'postgres') await db.exec('VACUUM ANALYZE usage_daily');
      const rollupRows = Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM usage_daily'))?.n);
      progress(
        `  ${rollupRows.toLocaleString('en-US')} rollup rows through day ${build.throughDay} in ${(build.ms / 1000).toFixed(1)} s (${build.chunks} chunks, slowest ${ms(build.slowestChunkMs)} ms); again: ${ms(again.ms)} ms`,
      );
      const totals = allCases().filter((c) =>
        ['count', 'costByModel', 'dailyCost', 'GET /api/api-usage'].includes(c.query),
      );
      const cases = await timeAll(db, fixture, totals, 'with the rollup', build.throughDay);
      report.rollup = { build, again, rollupRows, cases };
    }
    return report;
  } finally {
    await db.close();
    if (tempDir && !values.keep) rmSync(tempDir, { recursive: true, force: true });
    else if (tempDir) progress(`kept ${sqlitePath}`);
  }
}

const only = values.only?.split(',').filter(Boolean);
const wantExports = (): boolean => !only || only.includes('export');

function allCases(): Case[] {
  const cases: Case[] = [];
  for (const user of ['heavy', 'light'] as const)
    for (const days of [30, 90] as const)
      for (const filter of FILTERS)
        for (const query of QUERIES) {
          if (!only || only.some((part) => query.includes(part))) cases.push({ user, days, filter, query });
        }
  return cases;
}

async function timeAll(
  db: Database,
  fixture: Fixture,
  cases: Case[],
  label: string,
  rolledThroughDay?: number,
): Promise<CaseResult[]> {
  progress(`timing ${cases.length} query cases (${label}; 1 warm-up + ${RUNS} runs each) …`);
  const results: CaseResult[] = [];
  const started = performance.now();
  for (const c of cases) results.push(await timeCase(db, fixture, c, RUNS, true, rolledThroughDay));
  progress(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return results;
}

/** Bytes in use: SQLite pages not on the free list; PostgreSQL request_logs with its indexes. */
async function databaseBytes(db: Database): Promise<number> {
  if (db.engine === 'sqlite') {
    const count = await db.get<{ n: number }>('SELECT page_count AS n FROM pragma_page_count()');
    const free = await db.get<{ n: number }>('SELECT freelist_count AS n FROM pragma_freelist_count()');
    const size = await db.get<{ n: number }>('SELECT page_size AS n FROM pragma_page_size()');
    return (Number(count?.n) - Number(free?.n)) * Number(size?.n);
  }
  const row = await db.get<{ n: number }>("SELECT pg_total_relation_size('request_logs') AS n");
  return Number(row?.n);
}

async function recreatePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/bench/i.test(name) || !/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(
      `--postgres: the database name must contain "bench" (it is dropped and re-created), got "${name}"`,
    );
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

const COLUMNS_OF_TABLE = [
  ['heavy', 30],
  ['heavy', 90],
  ['light', 30],
  ['light', 90],
] as const;

/** One row per query × filter; cells are "median/p95 ms", then the heavy-90d plan gist. */
function formatCases(cases: CaseResult[], title: string): string {
  if (cases.length === 0) return `${title} (none selected)`;
  const lookup = new Map(cases.map((c) => [`${c.query}|${c.filter}|${c.user}|${c.days}`, c]));
  const header = `${pad('query', 19)} ${pad('filter', 11)}${COLUMNS_OF_TABLE.map(([u, d]) => pad(`${u} ${d}d`, 16, true)).join('')}  rows(h90)  plan (heavy, 90d)`;
  const out = [title, header, '-'.repeat(header.length + 30)];
  for (const query of QUERIES) {
    for (const filter of FILTERS) {
      const cells = COLUMNS_OF_TABLE.map(([user, days]) => {
        const c = lookup.get(`${query}|${filter}|${user}|${days}`);
        if (!c) return pad('', 16);
        const text = `${ms(c.medianMs)}/${ms(c.p95Ms)}${c.medianMs > SLOW_MS ? '!' : ' '}`;
        return pad(text, 16, true);
      });
      if (!COLUMNS_OF_TABLE.some(([user, days]) => lookup.has(`${query}|${filter}|${user}|${days}`)))
        continue;
      const heavy90 = lookup.get(`${query}|${filter}|heavy|90`);
      const plan = heavy90?.plan ? planText(heavy90.plan) : '';
      out.push(
        `${pad(query, 19)} ${pad(filter, 11)}${cells.join('')}  ${pad(String(heavy90?.rows ?? ''), 9, true)}  ${plan}`,
      );
    }
  }
  out.push(
    `cells: median/p95 ms over ${RUNS} runs (3 when one takes over a second); "!" marks a median over ${SLOW_MS} ms`,
  );
  return out.join('\n');
}

function planText(plan: PlanSummary): string {
  const index = plan.indexes.length > 0 ? plan.indexes.join('+') : plan.fullScan ? 'FULL SCAN' : 'no index';
  return `[${index}${plan.sort ? ', sort' : ''}] ${plan.gist}`;
}

function formatExports(exports: ExportResult[], title: string): string {
  const out = [title];
  for (const e of exports) {
    const growth = (pick: (c: ExportResult['checkpoints'][number]) => number) =>
      e.checkpoints.map((c) => `${pick(c) >= 0 ? '+' : ''}${pick(c).toFixed(1)}`).join(' / ');
    out.push(
      `  ${e.user} ${e.days}d filter=${e.filter}: ${e.rows.toLocaleString('en-US')} rows, ${(e.bytes / 1048576).toFixed(1)} MB CSV in ${ms(e.ms)} ms = ${e.rowsPerSecond.toLocaleString('en-US')} rows/s`,
      `    ${e.pageQueries} page queries: first ${ms(e.firstPageMs)} ms, last ${ms(e.lastPageMs)} ms, slowest ${ms(e.slowestPageMs)} ms`,
      `    memory (RSS ${e.rssBeforeMb} MB before): peak RSS +${e.peakRssGrowthMb} MB; after GC at ${e.checkpoints.map((c) => c.rows.toLocaleString('en-US')).join(' / ')} rows: live heap ${growth((c) => c.heapGrowthMb)} MB, RSS ${growth((c) => c.rssGrowthMb)} MB`,
    );
    e.plans.forEach((plan, i) => {
      out.push(`    plan ${i === 0 ? 'first page ' : 'cursor page'}: ${planText(plan)}`);
    });
  }
  return out.join('\n');
}

const COMPARE_FROM_MS = 20;

function formatComparison(before: CaseResult[], after: CaseResult[]): string {
  const lookup = new Map(after.map((c) => [`${c.query}|${c.filter}|${c.user}|${c.days}`, c]));
  const out = [
    `before → after (median ms, cases where either is ≥ ${COMPARE_FROM_MS} ms):`,
    `${pad('case', 46)} ${pad('before', 9, true)} ${pad('after', 9, true)}  plan after`,
  ];
  for (const b of before) {
    const a = lookup.get(`${b.query}|${b.filter}|${b.user}|${b.days}`);
    if (!a) continue;
    const changed = (a.plan?.gist ?? '') !== (b.plan?.gist ?? '');
    if (b.medianMs < COMPARE_FROM_MS && a.medianMs < COMPARE_FROM_MS) continue;
    out.push(
      `${pad(`${b.query} ${b.filter} ${b.user} ${b.days}d`, 46)} ${pad(ms(b.medianMs), 9, true)} ${pad(ms(a.medianMs), 9, true)}  ${changed && a.plan ? planText(a.plan) : '(same plan)'}`,
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

const reports: EngineReport[] = [];
const benchStarted = performance.now();
if (!values['skip-sqlite']) reports.push(await benchEngine('sqlite', ROWS));
if (values.postgres) reports.push(await benchEngine('postgres', PG_ROWS, values.postgres));

const megabytes = (bytes: number | undefined) => (bytes ? `${(bytes / 1048576).toFixed(0)} MB` : '?');
for (const report of reports) {
  const sizeLabel = report.engine === 'sqlite' ? 'database' : 'request_logs + indexes';
  const lines = [
    '',
    `### ${report.engine} (${report.version}) — ${report.rows.toLocaleString('en-US')} rows; ${report.setup}`,
    `${
      report.insert.reused
        ? `insert: skipped (reused ${report.insert.reused})`
        : `insert: ${(report.insert.ms / 1000).toFixed(1)} s, ${report.insert.rowsPerSecond.toLocaleString('en-US')} rows/s (${report.insert.batchRows}-row INSERTs, ${report.insert.transactionRows}-row transactions)`
    }; ${sizeLabel} ${megabytes(report.insert.dbBytes)}`,
    `hot path: ${report.hotInsert.microsPerRow} µs per single-row INSERT (${report.hotInsert.rows.toLocaleString('en-US')} rows, rolled back)`,
    '',
    formatCases(report.cases, 'queries (schema as migrated):'),
  ];
  if (report.exports.length > 0) {
    lines.push(
      '',
      formatExports(report.exports, 'CSV export (streamUsageLogs + usageCsvLine, piped like the route):'),
    );
  }
  if (report.proposals) {
    const p = report.proposals;
    lines.push(
      '',
      `PROPOSED INDEXES — created in the bench's own database only, NOT in migrations.ts (${ms(p.createMs)} ms to build):`,
      ...p.indexes.flatMap((index) => [
        `  -- ${index.name}: ${index.why}`,
        ...index.sql.map((sql) => `  ${sql};`),
      ]),
      `${sizeLabel} ${megabytes(report.insert.dbBytes)} → ${megabytes(p.dbBytes)}; hot path ${report.hotInsert.microsPerRow} → ${p.hotInsert.microsPerRow} µs per single-row INSERT`,
      '',
      formatCases(p.cases, 'queries WITH PROPOSED INDEXES:'),
      '',
      formatComparison(report.cases, p.cases),
    );
    if (p.exports.length > 0) lines.push('', formatExports(p.exports, 'CSV export WITH PROPOSED INDEXES:'));
  }
  if (report.rollup) {
    const r = report.rollup;
    lines.push(
      '',
      `USAGE ROLLUP: ${r.rollupRows.toLocaleString('en-US')} rows (${r.build.owners} owners) built in ${(r.build.ms / 1000).toFixed(1)} s, ${r.build.chunks} chunks, slowest chunk ${ms(r.build.slowestChunkMs)} ms; a second run ${ms(r.again.ms)} ms`,
      '',
      formatCases(r.cases, 'totals WITH THE ROLLUP (closed days from usage_daily, the rest raw):'),
      '',
      formatComparison(report.cases, r.cases),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
const totalSeconds = round((performance.now() - benchStarted) / 1000);
process.stdout.write(`\ntotal bench time ${totalSeconds.toFixed(0)} s\n`);

mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(
  values.out,
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
      options: {
        rows: ROWS,
        pgRows: values.postgres ? PG_ROWS : undefined,
        runs: RUNS,
        deepOffset: DEEP_OFFSET,
        analyze: values.analyze,
      },
      data: {
        users: USERS,
        heavyShare: HEAVY_SHARE,
        spanDays: SPAN_DAYS,
        models: MODELS.map((m) => m.id),
        filters: { model: FILTER_MODEL, status: '5xx', q: FILTER_Q, keyId: "the user's second key" },
      },
      slowThresholdMs: SLOW_MS,
      totalSeconds,
      engines: reports,
    },
    null,
    2,
  )}\n`,
);
progress(`wrote ${values.out}`);
