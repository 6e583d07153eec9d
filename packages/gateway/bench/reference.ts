import { type BodySize, conversation, requestBody } from './bodies.ts';
import type { LoadConnections } from './http1/connections.ts';
import { type LoadResult, type LoadTarget, mergeLoads, runLoad } from './load.ts';
import { readCpuMicros, readMemory, resetPeakRss } from './proc.ts';
import { type Distribution, distribution } from './stats.ts';

/**
 * The issue-#13 reference table: the same chat calls sent straight to the simulator (`direct`),
 * through the bare proxy (bare-proxy.ts) and through Hypereal (and, with `--postgres`, through a
 * second gateway on PostgreSQL), measured in rotation (A B C C B A) within one run, so every figure
 * is read against the others taken under the same machine load.
 */

/** One way of reaching the simulator's chat endpoint. */
export interface ReferenceTarget {
  name: string;
  connections: LoadConnections;
  /** The process doing the proxying, whose CPU and memory are measured; none for `direct`. */
  pid: number | undefined;
  headers: Record<string, string>;
  /** The model named in the body: the upstream's for direct and bare, the catalog's for Hypereal. */
  model: string;
}

/** A simulator fault applied to every request of a figure (`POST /__sim/faults`, sticky). */
export interface SimFault {
  latencyMs?: number;
  chunkDelayMs?: number;
}

export interface FigurePlan {
  id: string;
  size: BodySize;
  stream: boolean;
  concurrency: number;
  requests: number;
  fault?: SimFault;
  /** Measure the proxies only (a CPU figure: direct has no process of its own to read). */
  proxiesOnly?: boolean;
}

export interface FigureMeasurement {
  requests: number;
  failures: number;
  failureSamples: string[];
  requestsPerSecond: number;
  latencyMs: Distribution;
  firstByteMs: Distribution;
  /** CPU of the proxying process per request (undefined for direct). */
  cpuMicrosPerRequest: number | undefined;
  simCpuMicrosPerRequest: number;
}

export interface SimControl {
  simPid: number;
  /** Empties the simulator's log and faults, then installs `fault` for every request. */
  resetSim(fault?: SimFault): Promise<void>;
}

const PATH = '/v1/chat/completions';

const requestHeaders = (target: ReferenceTarget) => ({
  ...target.headers,
  'content-type': 'application/json',
});

function loadTarget(target: ReferenceTarget, plan: FigurePlan): LoadTarget {
  return {
    connections: target.connections,
    path: PATH,
    headers: requestHeaders(target),
    body: requestBody(conversation(plan.size), target.model, plan.stream),
    stream: plan.stream,
    completeMarker: plan.stream ? 'data: [DONE]' : '"chat.completion"',
  };
}

interface Tally {
  loads: LoadResult[];
  cpuMicros: number;
  simCpuMicros: number;
}

/** Warms every target (a tenth of the requests), then measures them in two mirrored rounds. */
export async function measureFigure(
  sim: SimControl,
  allTargets: readonly ReferenceTarget[],
  plan: FigurePlan,
): Promise<Record<string, FigureMeasurement>> {
  const targets = plan.proxiesOnly ? allTargets.filter((target) => target.pid !== undefined) : allTargets;
  const loads = new Map(targets.map((target) => [target.name, loadTarget(target, plan)]));
  const options = (requests: number) => ({ requests, concurrency: plan.concurrency });
  const warmup = Math.max(plan.concurrency, Math.round(plan.requests / 10));
  for (const target of targets) {
    await sim.resetSim(plan.fault);
    await runLoad(loads.get(target.name)!, options(warmup));
  }
  const tallies = new Map<string, Tally>(
    targets.map((t) => [t.name, { loads: [], cpuMicros: 0, simCpuMicros: 0 }]),
  );
  const half = Math.ceil(plan.requests / 2);
  for (const target of [...targets, ...[...targets].reverse()]) {
    const tally = tallies.get(target.name)!;
    await sim.resetSim(plan.fault);
    const cpuBefore = target.pid === undefined ? 0 : readCpuMicros(target.pid);
    const simBefore = readCpuMicros(sim.simPid);
    tally.loads.push(await runLoad(loads.get(target.name)!, options(half)));
    if (target.pid !== undefined) tally.cpuMicros += readCpuMicros(target.pid) - cpuBefore;
    tally.simCpuMicros += readCpuMicros(sim.simPid) - simBefore;
  }
  const measured: Record<string, FigureMeasurement> = {};
  for (const target of targets) {
    const tally = tallies.get(target.name)!;
    const load = mergeLoads(tally.loads);
    measured[target.name] = {
      requests: load.requests,
      failures: load.failures,
      failureSamples: load.failureSamples,
      requestsPerSecond: (load.requests - load.failures) / (load.wallMs / 1000),
      latencyMs: distribution(load.totalMs),
      firstByteMs: distribution(load.firstByteMs),
      cpuMicrosPerRequest: target.pid === undefined ? undefined : tally.cpuMicros / load.requests,
      simCpuMicrosPerRequest: tally.simCpuMicros / load.requests,
    };
  }
  return measured;
}

/** How many SSE events one streamed answer has (what "CPU per stream" is per). */
export async function countStreamEvents(target: ReferenceTarget): Promise<number> {
  const { connections, path, body } = loadTarget(target, {
    id: 'count',
    size: 'small',
    stream: true,
    concurrency: 1,
    requests: 1,
  });
  const response = await connections.request({ method: 'POST', path, headers: requestHeaders(target), body });
  const text = response.body.toString('utf8');
  return text.split('\n').filter((line) => line.startsWith('data:')).length;
}

export interface MemoryFigures {
  idleRssBytes: number;
  peakRssBytes: number;
}

/** Reads each proxy's RSS now (idle) and resets its peak, so `finish()` gives the peak since. */
export function trackMemory(targets: readonly ReferenceTarget[]): {
  finish(): Record<string, MemoryFigures>;
} {
  const idle = new Map<string, number>();
  for (const target of targets) {
    if (target.pid === undefined) continue;
    idle.set(target.name, readMemory(target.pid).rssBytes);
    resetPeakRss(target.pid);
  }
  return {
    finish() {
      const figures: Record<string, MemoryFigures> = {};
      for (const target of targets) {
        if (target.pid === undefined) continue;
        figures[target.name] = {
          idleRssBytes: idle.get(target.name) ?? Number.NaN,
          peakRssBytes: readMemory(target.pid).peakRssBytes,
        };
      }
      return figures;
    },
  };
}
