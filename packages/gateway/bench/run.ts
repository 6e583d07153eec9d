/**
 * `npm run bench`: the same chat calls sent straight to the upstream simulator and through the
 * gateway, in one run, on 127.0.0.1. Results are ratios and differences against the direct call
 * measured alongside; nothing here asserts on timings. Each scenario warms both paths, then measures
 * them in ABBA order (see measure.ts); gateway CPU and peak RSS come from /proc (see proc.ts).
 *
 * Options: --concurrency N (16), --scale F (multiplies request counts, e.g. 0.1 for a smoke run),
 * --out FILE (bench/results/latest.json).
 */

import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { simulatorEnv } from '../src/cli/simulator-env.ts';
import { type BodySize, conversation, REPLY_TOKENS, requestBody } from './bodies.ts';
import { prepareGateway } from './gateway-setup.ts';
import type { LoadTarget } from './load.ts';
import { measureScenario, type Servers } from './measure.ts';
import { clockTicksPerSecond, resetPeakRss } from './proc.ts';
import { startNodeChild, stopChildren } from './processes.ts';
import { type BenchReport, formatReport, overhead, type ScenarioResult, writeReport } from './report.ts';

interface Scenario {
  id: string;
  stream: boolean;
  size: BodySize;
  requests: number;
  warmup: number;
}

const SIM_KEY = 'sk-bench-upstream';
/** The catalog model the gateway is called with, and what it forwards upstream. */
const GATEWAY_MODEL = 'deepseek-v3.2';
const UPSTREAM_MODEL = 'deepseek-chat';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    scale: { type: 'string', default: '1' },
    out: { type: 'string', default: join(import.meta.dirname, 'results', 'latest.json') },
  },
});
const concurrency = Number(values.concurrency);
const scale = Number(values.scale);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error('--concurrency must be a positive integer');
if (!(scale > 0)) throw new Error('--scale must be positive');
const count = (n: number) => Math.max(concurrency, Math.round(n * scale));

const scenarios: Scenario[] = [
  { id: 'chat-json-small', stream: false, size: 'small', requests: count(3_000), warmup: count(300) },
  { id: 'chat-sse-small', stream: true, size: 'small', requests: count(3_000), warmup: count(300) },
  { id: 'chat-json-large', stream: false, size: 'large', requests: count(600), warmup: count(60) },
  { id: 'chat-sse-large', stream: true, size: 'large', requests: count(600), warmup: count(60) },
];

const repoRoot = resolve(import.meta.dirname, '../../..');
let fixtureDir: string | undefined;
const pools: Pool[] = [];

let cleaning: Promise<void> | undefined;
let interrupted = false;

/** Idempotent: closes the client pools, stops both servers and removes the data dir. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
    await stopChildren();
    if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
  })();
  return cleaning;
}

process.once('SIGINT', () => {
  interrupted = true;
  console.error('\ninterrupted; stopping servers');
  void cleanup().finally(() => process.exit(130));
});

async function main(): Promise<void> {
  const startedAt = new Date();
  const fixture = await prepareGateway();
  fixtureDir = fixture.dir;
  const sim = await startNodeChild({
    name: 'upstream-sim',
    script: join(repoRoot, 'packages/upstream-sim/src/main.ts'),
    args: ['--host', '127.0.0.1', '--port', '0', '--api-key', SIM_KEY],
    ready: /upstream-sim listening on (http:\/\/\S+)/,
  });
  const gateway = await startNodeChild({
    name: 'gateway',
    script: join(repoRoot, 'packages/gateway/src/cli/main.ts'),
    args: ['serve', '--config', fixture.configPath],
    env: {
      ...simulatorEnv(sim.url, SIM_KEY),
      HYPEREAL_DATA_DIR: fixture.dir,
      DATABASE_URL: '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
    ready: /Hypereal gateway on (http:\/\/\S+?)(?:\s|$)/,
  });
  const simPool = new Pool(sim.url, { connections: concurrency + 1 });
  const gatewayPool = new Pool(gateway.url, { connections: concurrency });
  pools.push(simPool, gatewayPool);
  const peakRssPerScenario = resetPeakRss(gateway.pid);
  console.error(`upstream-sim ${sim.url} (pid ${sim.pid}), gateway ${gateway.url} (pid ${gateway.pid})`);

  const resetSim = async () => {
    // Drops the simulator's recorded requests and prompt cache so memory stays flat across scenarios.
    const response = await simPool.request({ method: 'POST', path: '/__sim/reset' });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`/__sim/reset answered ${response.statusCode}`);
  };

  const servers: Servers = { simPid: sim.pid, gatewayPid: gateway.pid, resetSim };
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const chat = conversation(scenario.size);
    const direct: LoadTarget = {
      pool: simPool,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${SIM_KEY}`, 'content-type': 'application/json' },
      body: requestBody(chat, UPSTREAM_MODEL, scenario.stream),
      stream: scenario.stream,
    };
    const viaGateway: LoadTarget = {
      pool: gatewayPool,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
      body: requestBody(chat, GATEWAY_MODEL, scenario.stream),
      stream: scenario.stream,
    };

    const measured = await measureScenario(
      servers,
      { direct, gateway: viaGateway },
      { requests: scenario.requests, warmup: scenario.warmup, concurrency },
    );
    const { direct: d, gateway: g } = measured;
    console.error(
      `${scenario.id.padEnd(16)} direct ${d.requests} in ${(d.wallMs / 1000).toFixed(1)} s, gateway ${g.requests} in ${(g.wallMs / 1000).toFixed(1)} s` +
        (d.failures + g.failures > 0 ? ` — ${d.failures + g.failures} FAILED` : ''),
    );
    results.push({
      id: scenario.id,
      stream: scenario.stream,
      size: scenario.size,
      bodyBytes: viaGateway.body.length,
      concurrency,
      warmupRequests: scenario.warmup,
      ...measured,
    });
  }

  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    environment: {
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      clockTicksPerSecond: clockTicksPerSecond(),
      concurrency,
      scale,
      replyTokens: REPLY_TOKENS,
      gatewayModel: GATEWAY_MODEL,
      upstreamModel: UPSTREAM_MODEL,
      peakRssPerScenario,
    },
    scenarios: results.map((result) => ({ ...result, overhead: overhead(result) })),
  };
  writeReport(values.out, report);
  console.log(formatReport(report));
  console.log(`\nwrote ${values.out} (${report.durationSeconds} s)`);
  if (results.some((r) => r.direct.failures + r.gateway.failures > 0)) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  // After Ctrl-C the in-flight requests fail against destroyed pools: not worth reporting.
  if (!interrupted) console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
