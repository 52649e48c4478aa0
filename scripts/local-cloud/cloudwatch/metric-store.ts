/**
 * The local cloud's CloudWatch metrics: every emulator (Lambda, SQS event sources, EventBridge,
 * Step Functions) and every handler's SDK middleware (DynamoDB consumed capacity, SQS messages
 * sent) reports a datum with AWS's namespace, metric name and dimensions, and this store keeps
 * one-second buckets of them, so `GetMetricData` and `ListMetrics` answer as CloudWatch does.
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

export type Statistic = 'Sum' | 'SampleCount' | 'Average' | 'Minimum' | 'Maximum';
export const STATISTICS: readonly Statistic[] = ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'];

interface Bucket {
  sum: number;
  count: number;
  min: number;
  max: number;
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
    } else series.buckets.set(second, { sum: datum.value, count: 1, min: datum.value, max: datum.value });
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
   * [startMs, endMs), oldest first; periods without data are absent, as in CloudWatch.
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
    for (const [second, b] of series?.buckets ?? []) {
      if (second < start || second >= end) continue;
      const period = Math.floor(second / periodSeconds) * periodSeconds;
      const p = periods.get(period);
      if (p) {
        p.sum += b.sum;
        p.count += b.count;
        p.min = Math.min(p.min, b.min);
        p.max = Math.max(p.max, b.max);
      } else periods.set(period, { ...b });
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
  }
}

function seriesKey(namespace: string, metricName: string, dimensions: Array<{ Name: string; Value: string }>) {
  return JSON.stringify([namespace, metricName, dimensions.map((d) => [d.Name, d.Value])]);
}
