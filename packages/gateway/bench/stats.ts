/** Latency summaries over per-request samples (ms). */
export interface Distribution {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  if (samples.length === 0) return { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, fraction: number): number {
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
