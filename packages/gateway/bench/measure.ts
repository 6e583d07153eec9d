import { type LoadResult, type LoadTarget, mergeLoads, runLoad } from './load.ts';
import { readCpuMicros, readMemory, resetPeakRss } from './proc.ts';
import type { GatewayMeasurement, TargetMeasurement } from './report.ts';
import { distribution } from './stats.ts';

export interface Servers {
  simPid: number;
  gatewayPid: number;
  /** Empties the simulator's request log and prompt cache. */
  resetSim(): Promise<void>;
}

export interface ScenarioPlan {
  requests: number;
  warmup: number;
  concurrency: number;
}

type PathName = 'direct' | 'gateway';

interface PathTally {
  target: LoadTarget;
  loads: LoadResult[];
  simCpuMicros: number;
  gatewayCpuMicros: number;
}

/** ABBA blocks per scenario: each path's requests are split over 2 × ROUNDS segments. */
const ROUNDS = 2;

/**
 * Warms both paths, then measures them in alternating segments, ABBA order repeated (direct,
 * gateway, gateway, direct, …), so drift and bursts in machine load weigh on both paths alike.
 */
export async function measureScenario(
  servers: Servers,
  targets: Record<PathName, LoadTarget>,
  plan: ScenarioPlan,
): Promise<{ direct: TargetMeasurement; gateway: GatewayMeasurement }> {
  const tallies: Record<PathName, PathTally> = {
    direct: { target: targets.direct, loads: [], simCpuMicros: 0, gatewayCpuMicros: 0 },
    gateway: { target: targets.gateway, loads: [], simCpuMicros: 0, gatewayCpuMicros: 0 },
  };
  for (const tally of Object.values(tallies)) {
    await servers.resetSim();
    await runLoad(tally.target, { requests: plan.warmup, concurrency: plan.concurrency });
  }
  resetPeakRss(servers.gatewayPid);
  // Both paths get the same segment sizes: round r is direct, gateway (part 2r), gateway, direct (2r+1).
  const parts = splitEvenly(plan.requests, 2 * ROUNDS);
  const segments: Array<[PathName, number]> = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const first = parts[2 * round] ?? 0;
    const second = parts[2 * round + 1] ?? 0;
    segments.push(['direct', first], ['gateway', first], ['gateway', second], ['direct', second]);
  }
  for (const [name, requests] of segments) {
    if (requests === 0) continue;
    const tally = tallies[name];
    await servers.resetSim();
    const simBefore = readCpuMicros(servers.simPid);
    const gatewayBefore = readCpuMicros(servers.gatewayPid);
    tally.loads.push(await runLoad(tally.target, { requests, concurrency: plan.concurrency }));
    tally.simCpuMicros += readCpuMicros(servers.simPid) - simBefore;
    tally.gatewayCpuMicros += readCpuMicros(servers.gatewayPid) - gatewayBefore;
  }
  const memory = readMemory(servers.gatewayPid);
  const gateway = summarize(tallies.gateway);
  return {
    direct: summarize(tallies.direct),
    gateway: {
      ...gateway,
      gatewayCpuMicrosPerRequest: tallies.gateway.gatewayCpuMicros / gateway.requests,
      gatewayPeakRssBytes: memory.peakRssBytes,
    },
  };
}

/** `total` as `count` integers differing by at most one. */
function splitEvenly(total: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => Math.floor((total + index) / count));
}

function summarize(tally: PathTally): TargetMeasurement {
  const load = mergeLoads(tally.loads);
  return {
    requests: load.requests,
    failures: load.failures,
    failureSamples: load.failureSamples,
    wallMs: load.wallMs,
    requestsPerSecond: (load.requests - load.failures) / (load.wallMs / 1000),
    latencyMs: distribution(load.totalMs),
    firstByteMs: distribution(load.firstByteMs),
    headersMs: distribution(load.headersMs),
    simCpuMicrosPerRequest: tally.simCpuMicros / load.requests,
  };
}
