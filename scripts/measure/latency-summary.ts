import { build } from 'hdr-histogram-js';

export interface LatencyQuantiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A point of an empirical CDF: `fraction` of the orders took at most `ms`. */
export interface CdfPoint {
  ms: number;
  fraction: number;
}

export interface LatencySummary {
  count: number;
  quantiles: LatencyQuantiles;
  cdf: CdfPoint[];
}

/** The histogram's range: 1 ms resolution up to ten minutes, beyond any order's life. */
export const LOWEST_MS = 1;
export const HIGHEST_MS = 10 * 60 * 1000;

// Dense at the tail, where the variants differ most; every 5% below it is enough for a chart.
const CDF_PERCENTILES = [
  0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 92.5, 95, 97.5, 99, 99.5, 99.9, 100,
];

/**
 * Records latencies in an HDR histogram (1 ms .. 10 min, 3 significant digits, so every
 * reported value is within 0.1% of a recorded one) and summarizes them. Samples below 1 ms
 * count as 1 ms and samples above ten minutes as ten minutes: the histogram cannot hold them,
 * and dropping them would hide the slowest orders.
 *
 * @example
 * summarizeLatencies([12, 15, 480]).quantiles.p50 // 15
 */
export function summarizeLatencies(samplesMs: Iterable<number>): LatencySummary {
  const histogram = build({
    lowestDiscernibleValue: LOWEST_MS,
    highestTrackableValue: HIGHEST_MS,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
  try {
    for (const ms of samplesMs) histogram.recordValue(clamp(Math.round(ms), LOWEST_MS, HIGHEST_MS));
    const count = histogram.totalCount;
    if (count === 0) return { count, quantiles: { p50: 0, p90: 0, p99: 0, max: 0 }, cdf: [] };
    const max = histogram.maxValue;
    // A percentile reads as the top of its bucket, which can lie above the largest sample.
    const at = (percentile: number): number => Math.min(histogram.getValueAtPercentile(percentile), max);
    return {
      count,
      quantiles: { p50: at(50), p90: at(90), p99: at(99), max },
      cdf: CDF_PERCENTILES.map((p) => ({ ms: at(p), fraction: Math.round(p * 10) / 1000 })),
    };
  } finally {
    histogram.destroy();
  }
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}
