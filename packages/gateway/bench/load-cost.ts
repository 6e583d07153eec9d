/**
 * `npm run bench:load-cost [-- --requests N] [--concurrency C] [--rounds R] [--compare FILE]`:
 * what the bench's load generator (`load.ts`) costs itself. Starts the upstream simulator on
 * 127.0.0.1 and sends it the reference table's chat calls (~1 KB body, 64-token answer), JSON
 * and unpaced SSE, with `runLoad`, printing this process's CPU (user + system, every thread) per
 * request. `--compare FILE` (repeatable) names another module exporting `runLoad(target,
 * options)`, e.g. an older `load.ts` (`git show REV:packages/gateway/bench/load.ts >
 * /tmp/old-load.ts`; the target also carries `pool`, an undici Pool to the same origin, as the
 * earlier LoadTarget did); they are then run in alternation (A B … B A per round) against the
 * same simulator, so a burst of other work on the machine weighs on all alike; the median of
 * the segments is printed beside the mean. Nothing is pinned; nothing asserts.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { conversation, requestBody } from './bodies.ts';
import { LoadConnections } from './http1/connections.ts';
import { type LoadOptions, type LoadResult, type LoadTarget, runLoad } from './load.ts';
import { startNodeChild, stopChildren } from './processes.ts';
import { distribution } from './stats.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    compare: { type: 'string', multiple: true },
    /** `json`, `sse` or both (comma-separated). */
    kinds: { type: 'string', default: 'json,sse' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const SIM_KEY = 'sk-bench-load-cost';
const MODEL = 'deepseek-chat';
const repoRoot = resolve(import.meta.dirname, '../../..');

type RunLoad = (target: LoadTarget, options: LoadOptions) => Promise<LoadResult>;

/** A module's `runLoad`, checked to be a function (its signature is taken on trust). */
async function importRunLoad(file: string): Promise<RunLoad> {
  const module: { runLoad?: unknown } = await import(pathToFileURL(resolve(file)).href);
  const candidate = module.runLoad;
  if (typeof candidate !== 'function') throw new Error(`${file} exports no runLoad function`);
  return (target, options) => Promise.resolve(candidate(target, options));
}

interface Tally {
  /** CPU µs per request of each segment, for the median. */
  segments: number[];
  cpuMicros: number;
  requests: number;
  failures: number;
  failureSamples: string[];
  wallMs: number;
  totalMs: number[];
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const generators: Array<{ name: string; run: RunLoad }> = [{ name: 'load.ts', run: runLoad }];
for (const file of values.compare ?? []) generators.push({ name: file, run: await importRunLoad(file) });

const sim = await startNodeChild({
  name: 'upstream-sim',
  script: resolve(repoRoot, 'packages/upstream-sim/src/main.ts'),
  args: ['--host', '127.0.0.1', '--port', '0', '--api-key', SIM_KEY],
  ready: /upstream-sim listening on (http:\/\/\S+)/,
});
const connections = new LoadConnections(sim.url);
const pool = new Pool(sim.url, { connections: concurrency });
try {
  const kinds = values.kinds.split(',').map((kind) => kind.trim());
  for (const stream of [false, true].filter((stream) => kinds.includes(stream ? 'sse' : 'json'))) {
    // `pool` (undici, same origin) for a compared module written against the earlier LoadTarget.
    const target: LoadTarget & { pool: Pool } = {
      connections,
      pool,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${SIM_KEY}`, 'content-type': 'application/json' },
      body: requestBody(conversation('small'), MODEL, stream),
      stream,
      completeMarker: stream ? 'data: [DONE]' : '"chat.completion"',
    };
    const tallies = new Map<string, Tally>(
      generators.map((generator) => [
        generator.name,
        { segments: [], cpuMicros: 0, requests: 0, failures: 0, failureSamples: [], wallMs: 0, totalMs: [] },
      ]),
    );
    for (const generator of generators)
      await generator.run(target, { requests: Math.max(concurrency, requests / 10), concurrency });
    const order = [...generators, ...[...generators].reverse()];
    for (let round = 0; round < rounds; round += 1) {
      for (const generator of order) {
        const tally = tallies.get(generator.name)!;
        const before = process.cpuUsage();
        const load = await generator.run(target, { requests: Math.ceil(requests / 2), concurrency });
        const used = process.cpuUsage(before);
        tally.cpuMicros += used.user + used.system;
        tally.segments.push((used.user + used.system) / load.requests);
        tally.requests += load.requests;
        tally.failures += load.failures;
        tally.wallMs += load.wallMs;
        tally.totalMs.push(...load.totalMs);
        for (const sample of load.failureSamples)
          if (!tally.failureSamples.includes(sample)) tally.failureSamples.push(sample);
      }
    }
    console.log(`\n${stream ? 'SSE (22 events)' : 'JSON'}, c=${concurrency}, ${rounds} rounds`);
    for (const [name, tally] of tallies) {
      const latency = distribution(tally.totalMs);
      console.log(
        `  ${name.padEnd(24)} ${(tally.cpuMicros / tally.requests).toFixed(1).padStart(7)} µs CPU/request` +
          ` (segments' median ${median(tally.segments).toFixed(1)})` +
          `  ${Math.round(tally.requests / (tally.wallMs / 1000))
            .toString()
            .padStart(6)} req/s  p50 ${latency.p50.toFixed(2)} ms` +
          `  ${tally.requests} requests, ${tally.failures} failed${tally.failures ? `: ${tally.failureSamples[0]}` : ''}`,
      );
      if (tally.failures > 0) process.exitCode = 1;
    }
  }
} finally {
  connections.close();
  await pool.destroy();
  await stopChildren();
}
