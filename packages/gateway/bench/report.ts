import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReferenceReport } from './reference-table.ts';
import type { Distribution } from './stats.ts';

export interface TargetMeasurement {
  requests: number;
  failures: number;
  failureSamples: string[];
  wallMs: number;
  requestsPerSecond: number;
  /** Until the body was fully read. */
  latencyMs: Distribution;
  /** Until the first body byte (for SSE, the first event). */
  firstByteMs: Distribution;
  /** Until the status line and headers arrived. */
  headersMs: Distribution;
  /** The simulator's CPU per request: the same upstream work on both paths. */
  simCpuMicrosPerRequest: number;
}

export interface GatewayMeasurement extends TargetMeasurement {
  gatewayCpuMicrosPerRequest: number;
  /** VmHWM during the measured requests (or over the process's life when it cannot be reset). */
  gatewayPeakRssBytes: number;
}

/** OpenAI Chat Completions, Anthropic Messages or OpenAI Responses. */
export type Api = 'chat' | 'messages' | 'responses';

export interface ScenarioResult {
  id: string;
  /** The API the gateway is called with (and, unless `translatedTo` says otherwise, the direct call). */
  api: Api;
  /** The request path, the same on both targets unless `translatedTo` names the direct one. */
  path: string;
  /**
   * Translation-cost scenarios only: the gateway serves `api` from an upstream that speaks this API
   * (translating the request and the answer), and the direct call is the equivalent request in it.
   */
  translatedTo?: { api: Api; path: string };
  /** The catalog model the gateway is called with; the direct call names `upstreamModel`. */
  gatewayModel: string;
  upstreamModel: string;
  /** The gateway's own `hypereal` field sent through the gateway (it never reaches upstream). */
  hyperealOptions?: Record<string, unknown>;
  stream: boolean;
  size: string;
  bodyBytes: number;
  concurrency: number;
  warmupRequests: number;
  direct: TargetMeasurement;
  gateway: GatewayMeasurement;
}

export interface Overhead {
  /** Gateway requests/s ÷ direct requests/s. */
  throughputRatio: number;
  /** Gateway p50 ÷ direct p50 (total latency). */
  latencyRatioP50: number;
  addedLatencyMs: { p50: number; p99: number };
  addedFirstByteMs: { p50: number; p99: number };
}

export function overhead(scenario: ScenarioResult): Overhead {
  const { direct, gateway } = scenario;
  return {
    throughputRatio: gateway.requestsPerSecond / direct.requestsPerSecond,
    latencyRatioP50: gateway.latencyMs.p50 / direct.latencyMs.p50,
    addedLatencyMs: {
      p50: gateway.latencyMs.p50 - direct.latencyMs.p50,
      p99: gateway.latencyMs.p99 - direct.latencyMs.p99,
    },
    addedFirstByteMs: {
      p50: gateway.firstByteMs.p50 - direct.firstByteMs.p50,
      p99: gateway.firstByteMs.p99 - direct.firstByteMs.p99,
    },
  };
}

export interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  environment: Record<string, string | number | boolean>;
  /** The issue-#13 table: direct, bare proxy and Hypereal figures from the same run. */
  reference?: ReferenceReport;
  scenarios: Array<ScenarioResult & { overhead: Overhead }>;
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '–');
const signedMs = (value: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${ms(value)}` : '–';
const int = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

const API_NAMES: Record<Api, string> = {
  chat: 'OpenAI Chat Completions',
  messages: 'Anthropic Messages',
  responses: 'OpenAI Responses',
};

/** The two result tables: raw numbers per path, then the gateway against the direct call. */
export function formatReport(report: BenchReport): string {
  const measured: string[][] = [];
  for (const scenario of report.scenarios) {
    for (const [target, m] of [
      ['direct', scenario.direct],
      ['gateway', scenario.gateway],
    ] as const) {
      measured.push([
        scenario.id,
        target,
        int(m.requests),
        int(m.requestsPerSecond),
        ms(m.latencyMs.p50),
        ms(m.latencyMs.p99),
        scenario.stream ? ms(m.firstByteMs.p50) : '',
        scenario.stream ? ms(m.firstByteMs.p99) : '',
        int(m.simCpuMicrosPerRequest),
        m.failures === 0 ? '0' : `${m.failures} FAILED`,
      ]);
    }
  }
  const compared = report.scenarios.map((scenario) => {
    const { overhead: o, gateway } = scenario;
    return [
      scenario.id,
      ratio(o.throughputRatio),
      signedMs(o.addedLatencyMs.p50),
      signedMs(o.addedLatencyMs.p99),
      ratio(o.latencyRatioP50),
      scenario.stream ? signedMs(o.addedFirstByteMs.p50) : '',
      scenario.stream ? signedMs(o.addedFirstByteMs.p99) : '',
      int(gateway.gatewayCpuMicrosPerRequest),
      mib(gateway.gatewayPeakRssBytes),
    ];
  });
  const legend = new Map<string, string>();
  for (const scenario of report.scenarios) {
    const translated = scenario.translatedTo;
    const key = translated ? scenario.id : `${scenario.api}-*`;
    if (legend.has(key)) continue;
    if (translated) {
      legend.set(
        key,
        `  ${key}: TRANSLATION COST — ${API_NAMES[scenario.api]} through the gateway (POST ${scenario.path}, ${scenario.gatewayModel}), ` +
          `translated to ${API_NAMES[translated.api]} for ${scenario.upstreamModel} (POST ${translated.path} upstream) and the answer translated back, ` +
          `vs the equivalent ${API_NAMES[translated.api]} request (the gateway's own translation of the body) sent directly: ` +
          'the simulator does the same work on both paths; the difference is proxying plus translating both ways',
      );
      continue;
    }
    const models =
      scenario.gatewayModel === scenario.upstreamModel
        ? scenario.gatewayModel
        : `${scenario.gatewayModel} → ${scenario.upstreamModel} upstream`;
    let line = `  ${key}: ${API_NAMES[scenario.api]}, POST ${scenario.path}, ${models}`;
    if (scenario.hyperealOptions) {
      line += `; through the gateway with "hypereal": ${JSON.stringify(scenario.hyperealOptions)}`;
      if (scenario.hyperealOptions['cache'] === false)
        line +=
          ' (Hypereal Cache off, so the gateway adds no cache breakpoints and the simulator gets the same body on both paths: like-for-like)';
    }
    legend.set(key, line);
  }
  const flagged = report.scenarios.filter((s) => s.direct.failures + s.gateway.failures > 0);
  const lines = [
    `Hypereal gateway benchmark — ${report.environment['cpus']} CPU(s), Node ${report.environment['node']}, concurrency ${report.environment['concurrency']}, reply ${report.environment['replyTokens']} tokens`,
    '',
    table(
      [
        'scenario',
        'path',
        'requests',
        'req/s',
        'p50 ms',
        'p99 ms',
        'ttfb p50',
        'ttfb p99',
        'sim CPU µs/req',
        'failures',
      ],
      measured,
    ),
    '',
    'Gateway vs direct (same run; ttfb = first body byte, the first SSE event):',
    '',
    table(
      [
        'scenario',
        'throughput',
        'added p50 ms',
        'added p99 ms',
        'p50 ratio',
        'added ttfb p50',
        'added ttfb p99',
        'gw CPU µs/req',
        `gw peak RSS MiB${report.environment['peakRssPerScenario'] ? '' : ' (lifetime)'}`,
      ],
      compared,
    ),
    '',
    'Scenarios:',
    ...legend.values(),
  ];
  for (const scenario of flagged) {
    lines.push('', `FLAGGED ${scenario.id}: requests failed`);
    for (const [target, m] of [
      ['direct', scenario.direct],
      ['gateway', scenario.gateway],
    ] as const) {
      for (const sample of m.failureSamples) lines.push(`  ${target}: ${sample}`);
    }
  }
  return lines.join('\n');
}

/** First column left-aligned, the rest right-aligned. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
