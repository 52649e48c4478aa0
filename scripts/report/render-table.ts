import type { CounterName } from '../local-cloud/types.ts';
import type { LatencyQuantiles, Report, VariantReport } from './types.ts';

/**
 * The side-by-side comparison as data: one column per variant plus the baseline, rows grouped
 * in sections that say where their numbers come from. The terminal table, the Markdown and the
 * HTML all render this one structure, so they can never disagree.
 */
export interface ComparisonTable {
  columns: string[];
  sections: TableSection[];
}

export interface TableSection {
  title: string;
  /** Where the section's numbers come from, when they are not measured here. */
  source?: { text: string; url?: string };
  rows: TableRow[];
}

export interface TableRow {
  label: string;
  values: string[];
}

export const COUNTER_LABELS: Record<CounterName, string> = {
  lambdaInvocations: 'Lambda invocations',
  lambdaGbSeconds: 'Lambda GB-seconds',
  sqsRequests: 'SQS requests',
  eventsPut: 'EventBridge events put',
  eventDeliveries: 'EventBridge deliveries',
  stateTransitions: 'State transitions',
  sfnExpressRequests: 'Express executions',
  sfnExpressGbSeconds: 'Express GB-seconds',
  dynamoReadUnits: 'DynamoDB read units',
  dynamoWriteUnits: 'DynamoDB write units',
  retries: 'Retries counted by the cloud',
  durableOperations: 'Durable operations',
  durableBytesWritten: 'Durable state written (bytes)',
  durableByteDaysRetained: 'Durable state retained (byte-days)',
  dynamoCalls: 'DynamoDB calls',
  awsCallMs: 'ms in AWS SDK calls',
  schedulesCreated: 'Schedules created',
  schedulerInvocations: 'Scheduler invocations',
};

/** Counters that are local times, not billable units: never shown per order as if they were. */
const LOCAL_TIME_COUNTERS: ReadonlySet<CounterName> = new Set(['awsCallMs']);

type Named = [name: string, variant: VariantReport];

/** The columns in report order: the variants, then the baseline (a load test has none). */
export function reportColumns(report: Report): Named[] {
  return [...Object.entries(report.variants), ...(report.baseline ? [['baseline', report.baseline] as Named] : [])];
}

export function comparisonTable(report: Report): ComparisonTable {
  const columns = reportColumns(report);
  const row = (label: string, value: (v: VariantReport) => string): TableRow => ({
    label,
    values: columns.map(([, v]) => value(v)),
  });
  const latencyRows = (pick: (v: VariantReport) => LatencyQuantiles | undefined, missing = 'n/a'): TableRow[] =>
    (['p50', 'p90', 'p99', 'max'] as const).map((q) =>
      row(`Latency ${q} (ms)`, (v) => {
        const l = pick(v);
        return l ? formatNumber(l[q]) : missing;
      }),
    );
  const { hopLatency, prices } = report.sources;
  const anyModelled = columns.some(([, v]) => v.latencyMs.modelledAws);
  const anyNonTerminal = columns.some(([, v]) => v.nonTerminal > 0);
  // Measured inside a durable function (report/durable-section.ts); AWS publishes no figure for it.
  const anyCheckpoints = columns.some(([, v]) => v.checkpointOverhead);
  const counters = (Object.keys(COUNTER_LABELS) as CounterName[]).filter(
    (c) =>
      !LOCAL_TIME_COUNTERS.has(c) && columns.some(([, v]) => (v.counts[c] ?? 0) > 0 || v.countsUnavailable.includes(c)),
  );
  const costItems = [
    ...new Set(
      columns.flatMap(([, v]) =>
        v.costBreakdown.filter((line) => line.usdPerMillionOrders > 0).map((line) => line.item),
      ),
    ),
  ];

  // Counted, but no published price confirms it: named with its reason, never priced (prices.json notPriced).
  const unpricedItems = [...new Set(columns.flatMap(([, v]) => (v.notPriced ?? []).map((line) => line.item)))];
  const remote = columns.some(([, v]) => v.target);
  const sections: TableSection[] = [
    {
      title: remote ? 'Measured against the target' : 'Measured locally',
      rows: [
        row('Orders', (v) => formatNumber(v.orders)),
        row('Confirmed', (v) => formatNumber(v.terminal.CONFIRMED)),
        row('Cancelled', (v) => formatNumber(v.terminal.CANCELLED)),
        row('Rejected', (v) => formatNumber(v.terminal.REJECTED)),
        row('Failed', (v) => formatNumber(v.terminal.FAILED)),
        row('Parked in a DLQ or failed execution (looked up)', (v) =>
          v.dlqCounted === 'FAILED status' ? 'not looked up' : formatNumber(v.dlq),
        ),
        ...(anyNonTerminal ? [row('Not terminal', (v) => formatNumber(v.nonTerminal))] : []),
        ...latencyRows((v) => v.latencyMs.local),
        ...(report.baseline ? [row('p99 vs baseline', (v) => formatRatioOrDash(v.overheadRatio?.latencyP99))] : []),
        row('Throughput, local (orders/s, retry waits included)', (v) => formatNumber(v.throughputPerSec, 1)),
        ...(columns.some(([, v]) => v.localCapacity)
          ? [
              row('Local CPU per order (ms)', (v) =>
                v.localCapacity ? formatNumber(v.localCapacity.cpuMsPerOrder, 1) : '-',
              ),
              row('Emulator capacity here (orders/s)', (v) =>
                v.localCapacity ? formatNumber(v.localCapacity.ordersPerSec, 1) : '-',
              ),
            ]
          : []),
        ...(anyCheckpoints
          ? [
              row('Durable checkpoints / order (p50); round trip p50 / p99 (ms)', (v) => {
                const c = v.checkpointOverhead;
                if (!c) return '-';
                const { p50, p99 } = c.perCheckpointMs;
                return `${formatNumber(c.checkpointsPerOrder.p50)}; ${formatNumber(p50, 2)} / ${formatNumber(p99, 2)}`;
              }),
            ]
          : []),
        row('Retried step attempts', (v) => formatNumber(v.retries)),
        row('Compensated orders', (v) => formatNumber(v.compensations)),
        row('Invariant violations', (v) => formatNumber(v.invariantViolations.length)),
        ...counters.map((c) => row(`${COUNTER_LABELS[c]} / order`, (v) => perOrder(v, c))),
      ],
    },
    ...(anyModelled
      ? [
          {
            title: 'Modelled for AWS',
            source: {
              text: `per-hop delays from "${hopLatency.title}", ${hopLatency.region}, and shared/data/aws-model.json`,
              url: hopLatency.url,
            },
            rows: [
              // A variant whose hops have no published delay figure is left out, never shown as local.
              ...latencyRows((v) => v.latencyMs.modelledAws, 'not modelled'),
              row('Hops per order (example)', (v) =>
                v.hopType && v.hopsPerOrder !== undefined
                  ? `${v.hopsPerOrder} x ${hopLatency.hops[v.hopType].name}`
                  : '-',
              ),
              ...(anyCheckpoints ? [row('Durable checkpoint overhead', (v) => v.checkpointOverhead?.aws ?? '-')] : []),
            ],
          },
        ]
      : []),
    {
      title: 'Estimated cost per million orders (USD)',
      source: { text: `shared/data/prices.json: ${prices.region} on-demand prices as of ${prices.asOf}` },
      rows: [
        row(
          'Total',
          (v) =>
            `${formatUsd(v.costPerMillionUsd)}${v.countsUnavailable.length > 0 ? ' (partial)' : ''}` +
            `${v.notPriced?.length ? ' (without what is not priced)' : ''}`,
        ),
        ...costItems.map((item) =>
          row(item, (v) => formatUsd(v.costBreakdown.find((line) => line.item === item)?.usdPerMillionOrders ?? 0)),
        ),
        // The total above prices Lambda at light-load durations; this one at the run's own,
        // which grow with the machine's (or the account's) load.
        ...(columns.some(([, v]) => v.lambdaDuration?.basis === 'light-load')
          ? [
              row('Lambda duration priced at', (v) => (v.lambdaDuration ? LAMBDA_BASIS[v.lambdaDuration.basis] : '-')),
              row("Total at the run's measured durations", (v) =>
                v.lambdaDuration ? formatUsd(v.lambdaDuration.costAtMeasuredDurationsUsd) : '-',
              ),
            ]
          : []),
        ...unpricedItems.map((item) =>
          row(item, (v) => {
            const line = v.notPriced?.find((l) => l.item === item);
            return line ? `not priced: ${line.reason}` : '-';
          }),
        ),
        ...(report.baseline
          ? [row('Cost vs baseline', (v) => formatRatioOrDash(v.overheadRatio?.costPerMillion))]
          : []),
      ],
    },
    ...reviewSections(columns),
    {
      title: 'Operational size',
      rows: [
        row('Template resources', (v) => formatNumber(v.templateResources)),
        row('Orchestration lines of code', (v) => formatNumber(v.orchestrationLoc)),
      ],
    },
  ];
  return { columns: columns.map(([name]) => name), sections };
}

/** Units a waiting order may cost, in the order the review rows show them (those counted in the run). */
const WAITING_COUNTERS: readonly CounterName[] = [
  'schedulesCreated',
  'schedulerInvocations',
  'stateTransitions',
  'durableOperations',
  'durableBytesWritten',
  'lambdaInvocations',
  'lambdaGbSeconds',
  'dynamoWriteUnits',
  'dynamoReadUnits',
  'sqsRequests',
  'eventsPut',
];

/**
 * The manual-review rows, when the run had review orders: how many orders waited, how long
 * (what the wait adds to their latency), how fast an approval resumed one, and what a waiting
 * order cost while it waited, unit by unit from the run's counts. A variant without a review
 * mechanism says so in every row.
 */
function reviewSections(columns: readonly Named[]): TableSection[] {
  const reviewed = columns.filter(([, v]) => v.review);
  if (reviewed.length === 0 || reviewed.every(([, v]) => v.review!.waitingOrders + v.review!.skippedOrders === 0))
    return [];
  const row = (label: string, value: (review: NonNullable<VariantReport['review']>) => string): TableRow => ({
    label,
    values: columns.map(([, v]) =>
      !v.review ? '-' : v.review.supported ? value(v.review) : v.review.limit ? 'cannot wait' : 'no review yet',
    ),
  });
  const quantile = (q: LatencyQuantiles | undefined, which: 'p50' | 'p99') => (q ? formatNumber(q[which]) : '-');
  const counters = WAITING_COUNTERS.filter((c) => reviewed.some(([, v]) => (v.review!.perWaitingOrder[c] ?? 0) > 0));
  return [
    {
      title: 'Orders that wait (manual review)',
      rows: [
        {
          label: 'Review orders left out (no review mechanism, or cannot wait)',
          values: columns.map(([, v]) => (v.review ? formatNumber(v.review.skippedOrders) : '-')),
        },
        row('Orders that waited', (r) => formatNumber(r.waitingOrders)),
        row('Approved / rejected / timed out', (r) =>
          [r.decisions.approve, r.decisions.reject, r.decisions.timeout].map((n) => formatNumber(n)).join(' / '),
        ),
        row('Time waiting p50 (ms)', (r) => quantile(r.waitedMs, 'p50')),
        row('Time waiting p99 (ms)', (r) => quantile(r.waitedMs, 'p99')),
        row('Approval to next step p50 (ms)', (r) => quantile(r.resumeMs, 'p50')),
        ...counters.map((c) =>
          row(`${COUNTER_LABELS[c]} / waiting order`, (r) => {
            const value = r.perWaitingOrder[c] ?? 0;
            return formatNumber(value, value > 0 && value < 10 ? 3 : 1);
          }),
        ),
        row('Cost / waiting order (USD)', (r) => formatUsd(r.usdPerWaitingOrder)),
        // Measured, not assumed: the order's own functions running between parking and the decision.
        row('Invocations while waiting / waiting order', (r) =>
          r.whileWaitingPerOrder ? formatNumber(r.whileWaitingPerOrder.invocations, 3) : '-',
        ),
        row('Lambda GB-s while waiting / waiting order', (r) =>
          r.whileWaitingPerOrder ? formatNumber(r.whileWaitingPerOrder.lambdaGbSeconds, 3) : '-',
        ),
      ],
    },
  ];
}

/**
 * One line per variant on how it waits and how an operator finds its waiting orders (or that it
 * has no review mechanism yet), for the report's text and the console.
 */
export function reviewLines(report: Report): string[] {
  const reviews = Object.values(report.variants).flatMap((v) => (v.review ? [v.review] : []));
  if (reviews.every((r) => r.waitingOrders + r.skippedOrders === 0)) return [];
  return Object.entries(report.variants).flatMap(([name, v]) => {
    const review = v.review;
    if (!review) return [];
    if (!review.supported)
      return [
        `${name}: ${review.limit ?? 'no review mechanism yet'}; its run left the workload's ` +
          `${formatNumber(review.skippedOrders)} review orders out.`,
      ];
    return [
      `${name} waits so: ${review.mechanism}. An operator finds the waiting orders with: ${review.findWaiting}.` +
        (review.limit ? ` Limit: ${review.limit}.` : ''),
    ];
  });
}

/**
 * The plain-text table `npm start` prints: aligned columns, numbers right-aligned, section
 * titles saying what is measured and what is modelled, then the verdicts given.
 *
 * @example
 * process.stdout.write(renderTable(report, computeVerdicts(report)));
 */
export function renderTable(report: Report, verdicts: readonly string[] = []): string {
  const table = comparisonTable(report);
  const labelWidth = Math.max(...table.sections.flatMap((s) => s.rows.map((r) => r.label.length + 2)));
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.sections.flatMap((s) => s.rows.map((r) => r.values[i]!.length))),
  );
  const line = (label: string, cells: readonly string[]): string =>
    [label.padEnd(labelWidth), ...cells.map((cell, i) => cell.padStart(widths[i]!))].join('  ').trimEnd();
  const rule = '-'.repeat(labelWidth + sumOf(widths) + 2 * widths.length);
  const out = [line('', table.columns), rule];
  for (const section of table.sections) {
    const source = section.source
      ? ` (source: ${[section.source.text, section.source.url].filter(Boolean).join(', ')})`
      : '';
    out.push(`${section.title}${source}`);
    for (const row of section.rows) out.push(line(`  ${row.label}`, row.values));
  }
  out.push(rule, ...(verdicts.length > 0 ? ['', ...verdicts.map((verdict) => `* ${verdict}`)] : []));
  const waits = reviewLines(report);
  if (waits.length > 0) out.push('', 'Orders that wait (manual review):', ...waits.map((line) => `- ${line}`));
  return `${out.join('\n')}\n`;
}

const LAMBDA_BASIS = { 'light-load': 'light-load p50', measured: 'measured' } as const;

function perOrder(v: VariantReport, counter: CounterName): string {
  if (v.countsUnavailable.includes(counter)) return 'n/a';
  const value = (v.counts[counter] ?? 0) / Math.max(1, v.orders);
  return formatNumber(value, value > 0 && value < 10 ? 2 : 1);
}

/** 1,234 or 12.3: grouped thousands, at most `decimals` decimals, no trailing zeros. */
export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals });
}

/** $12,345 / $12.34 / $0.0012: whole dollars from a thousand, cents down to a cent, then two significant digits. */
export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  if (value >= 1000) return `$${formatNumber(value)}`;
  if (value >= 0.01) return `$${value.toFixed(2)}`;
  return `$${value.toPrecision(2)}`;
}

/** 4.2x below ten, 12x above: one decimal is noise once the gap is an order of magnitude. */
export function formatRatio(value: number): string {
  return value >= 10 ? `${Math.round(value)}x` : `${value.toFixed(1)}x`;
}

function formatRatioOrDash(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : formatRatio(value);
}

function sumOf(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
