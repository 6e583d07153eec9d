/**
 * `npm run bench:soak [-- --requests N] [--concurrency C] [--every K] [--postgres URL]`: is the
 * gateway's memory flat under a long load? Starts the simulator and the gateway (the `hypereal`
 * bin, as a user does) on 127.0.0.1, reads the gateway's idle RSS, then sends N chat calls
 * (~1 KB body, 64-token JSON answer; 200,000 by default) at concurrency C and prints its RSS after
 * every K of them, the peak (VmHWM), and how far the samples after the first tenth stray from
 * their mean (the issue-#13 goal: within ±10 %). `--node-options` reaches the gateway only.
 * Nothing is pinned; nothing asserts.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simulatorEnv } from '../src/cli/simulator-env.ts';
import { conversation, requestBody } from './bodies.ts';
import { prepareGateway } from './gateway-setup.ts';
import { LoadConnections } from './http1/connections.ts';
import { runLoad } from './load.ts';
import { readMemory } from './proc.ts';
import { startNodeChild, stopChildren } from './processes.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '32' },
    every: { type: 'string', default: '10000' },
    postgres: { type: 'string' },
    /** NODE_OPTIONS for the gateway only (e.g. `--max-old-space-size=64` to tell a leak from lazy GC). */
    'node-options': { type: 'string' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const every = Math.max(1, Math.min(total, Number(values.every)));
const SIM_KEY = 'sk-bench-upstream';
const repoRoot = resolve(import.meta.dirname, '../../..');
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

const fixture = await prepareGateway(values.postgres ? { databaseUrl: values.postgres } : {});
let connections: LoadConnections | undefined;
try {
  const sim = await startNodeChild({
    name: 'upstream-sim',
    script: join(repoRoot, 'packages/upstream-sim/src/main.ts'),
    args: ['--host', '127.0.0.1', '--port', '0', '--api-key', SIM_KEY],
    ready: /upstream-sim listening on (http:\/\/\S+)/,
  });
  const gateway = await startNodeChild({
    name: 'gateway',
    script: join(repoRoot, 'packages/gateway/bin/hypereal.js'),
    executable: true,
    args: ['serve', '--config', fixture.configPath],
    env: {
      ...simulatorEnv(sim.url, SIM_KEY),
      HYPEREAL_DATA_DIR: fixture.dir,
      DATABASE_URL: values.postgres ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
    },
    ready: /Hypereal gateway on (http:\/\/\S+?)(?:\s|$)/,
  });
  connections = new LoadConnections(gateway.url);
  const target = {
    connections,
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
    body: requestBody(conversation('small'), 'deepseek-v3.2', false),
    stream: false,
    completeMarker: '"chat.completion"',
  };
  await new Promise((done) => setTimeout(done, 2_000));
  const idle = readMemory(gateway.pid).rssBytes;
  console.log(`gateway idle RSS ${mb(idle)} MB (${values.postgres ? 'PostgreSQL' : 'SQLite'})`);
  const samples: number[] = [];
  let failures = 0;
  const started = Date.now();
  for (let sent = 0; sent < total; ) {
    const batch = Math.min(every, total - sent);
    const result = await runLoad(target, { requests: batch, concurrency });
    failures += result.failures;
    sent += batch;
    const rss = readMemory(gateway.pid).rssBytes;
    samples.push(rss);
    console.log(
      `${String(sent).padStart(8)} requests  RSS ${mb(rss).padStart(4)} MB  ${Math.round((batch / result.wallMs) * 1000)} req/s${result.failures ? `  ${result.failures} failed: ${result.failureSamples[0]}` : ''}`,
    );
  }
  const steady = samples.slice(Math.ceil(samples.length / 10));
  const mean = steady.reduce((sum, value) => sum + value, 0) / steady.length;
  const spread = Math.max(...steady.map((value) => Math.abs(value - mean) / mean));
  console.log(
    `idle ${mb(idle)} MB, peak ${mb(readMemory(gateway.pid).peakRssBytes)} MB, after the first tenth ${mb(Math.min(...steady))}–${mb(Math.max(...steady))} MB (±${(spread * 100).toFixed(1)} % of the mean), ${failures} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (failures > 0) process.exitCode = 1;
} finally {
  connections?.close();
  await stopChildren();
  rmSync(fixture.dir, { recursive: true, force: true });
}
