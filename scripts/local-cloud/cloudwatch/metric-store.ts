/**
 * The local cloud's CloudWatch metrics: every emulator (Lambda, SQS event sources, EventBridge,
 * Step Functions) and every handler's SDK middleware (DynamoDB consumed capacity, SQS messages
 * sent) reports a datum with AWS's namespace, metric name and dimensions, and this store keeps
 * one-second buckets of them, so `GetMetricData` and `ListMetrics` answer as CloudWatch does.
 * Each bucket keeps its values too, so percentile statistics (`p50`, `p99.9`) are exact, as
 * CloudWatch computes them for metrics published value by value (Lambda `Duration`).
 */

export interface MetricDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  unit?: string;
  /** Epoch ms; now when absent. */
  atMs?: number;
}

/** A CloudWatch statistic: the five simple ones, or a percentile (`p50`, `p99`, `p99.9`). */
export type Statistic = 'Sum' | 'SampleCount' | 'Average' | 'Minimum' | 'Maximum' | `p${number}`;
export const STATISTICS = ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'] as const;

/** `Sum`, `Average`, ... or `pNN(.NN)` with 0 <= NN <= 100, as CloudWatch spells a percentile. */
export function isStatistic(value: unknown): value is Statistic {
  if ((STATISTICS as readonly unknown[]).includes(value)) return true;
  const m = typeof value === 'string' ? /^p(\d{1,3}(?:\.\d{1,10})?)$/.exec(value) : null;
  return m !== null && Number(m[1]) <= 100;
}

interface Bucket {
  sum: number;
  count: number;
  min: number;
  max: number;
  values: number[];
}

export interface Series {
  namespace: string;
  metricName: string;
  dimensions: Array<{ Name: string; Value: string }>;
  unit: string;
  /** Epoch second -> aggregate of the data points of that second. */
  buckets: Map<number, Bucket>;
}

/** Where a metric datum goes: the local cloud's store, or nowhere (a unit test's runtime). */
export type MetricSink = (datum: MetricDatum) => void;

export class MetricStore {
  private readonly series = new Map<string, Series>();

  put(datum: MetricDatum): void {
    const dimensions = Object.entries(datum.dimensions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([Name, Value]) => ({ Name, Value }));
    const key = seriesKey(datum.namespace, datum.metricName, dimensions);
    let series = this.series.get(key);
    if (!series) {
      series = {
        namespace: datum.namespace,
        metricName: datum.metricName,
        dimensions,
        unit: datum.unit ?? 'Count',
        buckets: new Map(),
      };
      this.series.set(key, series);
    }
    const second = Math.floor((datum.atMs ?? Date.now()) / 1000);
    const bucket = series.buckets.get(second);
    if (bucket) {
      bucket.sum += datum.value;
      bucket.count += 1;
      bucket.min = Math.min(bucket.min, datum.value);
      bucket.max = Math.max(bucket.max, datum.value);
      bucket.values.push(datum.value);
    } else
      series.buckets.set(second, {
        sum: datum.value,
        count: 1,
        min: datum.value,
        max: datum.value,
        values: [datum.value],
      });
  }

  /** The metrics that have data, filtered as ListMetrics filters (dimension values optional). */
  list(filter: {
    namespace?: string;
    metricName?: string;
    dimensions?: Array<{ Name: string; Value?: string }>;
  }): Series[] {
    return [...this.series.values()].filter(
      (s) =>
        (!filter.namespace || s.namespace === filter.namespace) &&
        (!filter.metricName || s.metricName === filter.metricName) &&
        (filter.dimensions ?? []).every((d) =>
          s.dimensions.some((x) => x.Name === d.Name && (d.Value === undefined || x.Value === d.Value)),
        ),
    );
  }

  /**
   * One statistic of one metric (exact dimensions, as CloudWatch matches them) per period over
   * [startMs, endMs), oldest first; periods without data are absent, as in CloudWatch. Periods of
   * a minute or more start at the start time rounded down to the minute, as CloudWatch lays them
   * out (so one long period covers a whole window); shorter ones at the start second.
   */
  query(
    metric: { namespace: string; metricName: string; dimensions: Array<{ Name: string; Value: string }> },
    startMs: number,
    endMs: number,
    periodSeconds: number,
    stat: Statistic,
  ): { timestamps: number[]; values: number[] } {
    const dimensions = [...metric.dimensions].sort((a, b) => a.Name.localeCompare(b.Name));
    const series = this.series.get(seriesKey(metric.namespace, metric.metricName, dimensions));
    const periods = new Map<number, Bucket>();
    const start = Math.floor(startMs / 1000);
    const end = Math.ceil(endMs / 1000);
    const origin = periodSeconds >= 60 ? Math.floor(start / 60) * 60 : start;
    for (const [second, b] of series?.buckets ?? []) {
      if (second < start || second >= end) continue;
      const period = origin + Math.floor((second - origin) / periodSeconds) * periodSeconds;
      const p = periods.get(period);
      if (p) {
        p.sum += b.sum;
        p.count += b.count;
        p.min = Math.min(p.min, b.min);
        p.max = Math.max(p.max, b.max);
        p.values.push(...b.values);
      } else periods.set(period, { ...b, values: [...b.values] });
    }
    const sorted = [...periods.entries()].sort(([a], [b]) => a - b);
    return {
      timestamps: sorted.map(([second]) => second * 1000),
      values: sorted.map(([, b]) => statistic(b, stat)),
    };
  }
}

function statistic(b: Bucket, stat: Statistic): number {
  switch (stat) {
    case 'Sum':
      return b.sum;
    case 'SampleCount':
      return b.count;
    case 'Average':
      return b.sum / b.count;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    default:
      return percentile(b.values, Number(stat.slice(1)));
  }
}

/**
 * The p-th percentile of the values, interpolated linearly between the closest ranks (p50 of an
 * even count is the mean of the two middle values). The same function prices a function's
 * light-load duration in `npm start` and reads it back from CloudWatch in the load test.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

function seriesKey(namespace: string, metricName: string, dimensions: Array<{ Name: string; Value: string }>) {
  return JSON.stringify([namespace, metricName, dimensions.map((d) => [d.Name, d.Value])]);
}
