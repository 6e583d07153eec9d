import type { FigureMeasurement, FigurePlan, MemoryFigures } from './reference.ts';

/**
 * The figures of the issue-#13 table and how they are printed. Every figure is a chat call with
 * the ~1 KB body (or the ~150 KB coding-agent body) and a 64-token answer; the 50 ms upstream is
 * the simulator's `latencyMs` fault, the paced stream its `chunkDelayMs`.
 */

/**
 * Requests per target at --scale 1 (warm-up adds a tenth). CPU-only figures skip `direct`, which
 * has no proxy process to measure.
 */
export function figurePlans(count: (n: number, floor: number) => number): FigurePlan[] {
  return [
    {
      id: 'table-cpu',
      size: 'small',
      stream: false,
      concurrency: 32,
      requests: count(2_000, 32),
      proxiesOnly: true,
    },
    { id: 'table-c1', size: 'small', stream: false, concurrency: 1, requests: count(400, 20) },
    {
      id: 'table-50ms',
      size: 'small',
      stream: false,
      concurrency: 128,
      requests: count(2_000, 128),
      fault: { latencyMs: 50 },
    },
    // Paced like a real model (5 ms between events) so TTFT is not a queue behind saturated CPU.
    {
      id: 'table-sse',
      size: 'small',
      stream: true,
      concurrency: 32,
      requests: count(480, 32),
      fault: { chunkDelayMs: 5 },
    },
    {
      id: 'table-large',
      size: 'large',
      stream: false,
      concurrency: 16,
      requests: count(300, 16),
      proxiesOnly: true,
    },
  ];
}

export interface ReferenceReport {
  pinning: string;
  /** Target names in column order: `direct`, `bare`, `hypereal`, maybe `hypereal-pg`. */
  targets: string[];
  streamEvents: number;
  figures: Record<string, Record<string, FigureMeasurement>>;
  memory: Record<string, MemoryFigures>;
}

const COLUMN_NAMES: Record<string, string> = {
  direct: 'direct',
  bare: 'bare proxy',
  hypereal: 'Hypereal (SQLite)',
  'hypereal-pg': 'Hypereal (PostgreSQL)',
};

const int = (value: number | undefined): string =>
  value !== undefined && Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
const ms = (value: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms` : '–';
const times = (value: number | undefined): string =>
  value !== undefined && Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
const percent = (value: number): string => (Number.isFinite(value) ? `${Math.round(value * 100)} %` : '–');
const mb = (bytes: number): string => (Number.isFinite(bytes) ? String(Math.round(bytes / 1e6)) : '–');

interface Row {
  figure: string;
  /** Per target: the cell, and the number the ratio to the bare proxy is taken of. */
  cell(target: string): { text: string; value: number | undefined };
}

export function formatReferenceTable(report: ReferenceReport): string {
  const { figures, memory, targets } = report;
  const get = (id: string, target: string): FigureMeasurement | undefined => figures[id]?.[target];
  const rows: Row[] = [];
  const cpuRow = (id: string, figure: string): Row => ({
    figure,
    cell: (target) => {
      const value = get(id, target)?.cpuMicrosPerRequest;
      return { text: target === 'direct' ? '–' : int(value), value };
    },
  });
  /** A percentile added over direct's, direct's own shown as it is. */
  const addedRow = (id: string, figure: string, pick: (m: FigureMeasurement) => number): Row => ({
    figure,
    cell: (target) => {
      const measured = get(id, target);
      const direct = get(id, 'direct');
      if (!measured || !direct) return { text: '–', value: undefined };
      if (target === 'direct') return { text: `${pick(direct).toFixed(2)} ms`, value: undefined };
      const added = pick(measured) - pick(direct);
      return { text: ms(added), value: added };
    },
  });
  if (figures['table-cpu']) rows.push(cpuRow('table-cpu', 'CPU µs per request, c=32, 0 ms upstream'));
  if (figures['table-c1']) rows.push(addedRow('table-c1', 'added p50 at c=1', (m) => m.latencyMs.p50));
  if (figures['table-50ms'])
    rows.push({
      figure: 'throughput at 50 ms upstream, c=128, vs direct',
      cell: (target) => {
        const measured = get('table-50ms', target);
        const direct = get('table-50ms', 'direct');
        if (!measured || !direct) return { text: '–', value: undefined };
        if (target === 'direct') return { text: `${int(direct.requestsPerSecond)} req/s`, value: undefined };
        const share = measured.requestsPerSecond / direct.requestsPerSecond;
        return { text: percent(share), value: share };
      },
    });
  if (figures['table-sse']) {
    rows.push(addedRow('table-sse', 'streaming added TTFT p50 (c=32)', (m) => m.firstByteMs.p50));
    rows.push(cpuRow('table-sse', `CPU µs per stream (${report.streamEvents} SSE events)`));
  }
  rows.push({
    figure: 'idle RSS / peak RSS under that load (MB)',
    cell: (target) => {
      const figuresOf = memory[target];
      if (!figuresOf) return { text: '–', value: undefined };
      return {
        text: `${mb(figuresOf.idleRssBytes)} / ${mb(figuresOf.peakRssBytes)}`,
        value: figuresOf.peakRssBytes,
      };
    },
  });
  if (figures['table-large'])
    rows.push(cpuRow('table-large', '150 KB coding-agent body, CPU µs per request (c=16)'));

  const proxies = targets.filter((target) => target !== 'direct' && target !== 'bare');
  const headers = [
    'figure',
    ...targets.map((target) => COLUMN_NAMES[target] ?? target),
    ...proxies.map((target) => `${COLUMN_NAMES[target] ?? target} ÷ bare`),
  ];
  const body = rows.map((row) => {
    const cells = targets.map((target) => row.cell(target));
    const bare = row.cell('bare').value;
    const ratios = proxies.map((target) => {
      const value = row.cell(target).value;
      return bare !== undefined && value !== undefined ? times(value / bare) : '–';
    });
    return [row.figure, ...cells.map((cell) => cell.text), ...ratios];
  });
  const failures = Object.entries(figures).flatMap(([id, byTarget]) =>
    Object.entries(byTarget)
      .filter(([, m]) => m.failures > 0)
      .map(
        ([target, m]) => `FLAGGED ${id} ${target}: ${m.failures} failed — ${m.failureSamples.join(' | ')}`,
      ),
  );
  return [
    `Reference table (issue #13), one run, ${report.pinning}`,
    '',
    markdownTable(headers, body),
    '',
    'Ratios are to the bare proxy measured in the same run (for memory: of the peak). "Added" is over direct.',
    'TTFT stream paced at 5 ms per event (chunkDelayMs); 50 ms upstream = latencyMs fault. CPU from /proc utime+stime.',
    ...failures,
  ].join('\n');
}

function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  return [
    line(headers),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}
