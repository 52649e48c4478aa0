import { isTerminal, TERMINAL_STATUSES, type TerminalStatus } from '#domain/order';
import { estimateCost, loadPrices, type PriceTable } from '../measure/cost-model.ts';
import { loadAwsModelFigures } from '../measure/aws-model.ts';
import type { AwsViewModel } from '../measure/aws-view.ts';
import { loadHopLatencyTable, type HopLatencyTable } from '../measure/latency-model.ts';
import {
  costCurve,
  loadQuotas,
  retryCostCurve,
  scaleOf,
  scaleOnlyVariant,
  stepDurationSweep,
  summarizeModelledAws,
  viewPrices,
  viewVariants,
} from './aws-section.ts';
import { checkClaims } from './claims.ts';
import { summarizeCheckpointOverhead } from './durable-section.ts';
import { summarizeLatencies } from '../measure/latency-summary.ts';
import type {
  Counts,
  ExampleTimeline,
  OrderRun,
  OverheadRatio,
  Report,
  ReportSources,
  ReviewReport,
  RunInput,
  VariantReport,
  VariantRun,
} from './types.ts';

const COMPENSATION_STEPS: ReadonlySet<string> = new Set(['refund-payment', 'release-inventory']);

/**
 * Turns the raw runs into the report: latency summaries (local and, when every order carries
 * `modelledAwsExtraMs`, modelled for AWS), terminal counts, cost per million orders, overhead
 * against the baseline and one comparable example order per variant. Pure apart from the
 * default price and hop tables, which it reads when the input does not carry them.
 *
 * @example
 * const report = buildReport({ workload: { orders: 500, seed: 42 }, variants: runs, baseline });
 */
export function buildReport(input: RunInput): Report {
  const prices = input.prices ?? loadPrices();
  const hopLatency = input.hopLatency ?? loadHopLatencyTable();
  const exampleId = pickExampleOrderId(input.variants);
  const baseline = input.baseline ? summarizeRun(input.baseline, prices, exampleId) : undefined;
  const figures = loadAwsModelFigures();
  const modelled = new Map(
    input.variants.map((run) => [run.name, summarizeModelledAws(run, figures, hopLatency.source.url)]),
  );
  const viewList = input.variants.flatMap((run) => viewVariants(run, modelled.get(run.name), hopLatency));
  const view: AwsViewModel | undefined =
    viewList.length > 0 ? { prices: viewPrices(prices), quotas: loadQuotas(), variants: viewList } : undefined;
  // Scale ceilings need units per order and quotas, not a latency: every variant gets one.
  const scaleList = input.variants.flatMap((run) => (modelled.get(run.name) ? [] : scaleOnlyVariant(run)));
  const scaleView: AwsViewModel | undefined =
    view || scaleList.length > 0
      ? { prices: viewPrices(prices), quotas: view?.quotas ?? loadQuotas(), variants: [...viewList, ...scaleList] }
      : undefined;
  const variants = Object.fromEntries(
    input.variants.map((run) => {
      const report = summarizeRun(run, prices, exampleId);
      const aws = modelled.get(run.name);
      const scale = scaleView ? scaleOf(scaleView, run.name) : undefined;
      // Measured locally inside a durable function; the single-lambda run gives the same orders without checkpoints.
      const checkpoints = summarizeCheckpointOverhead(
        run,
        input.variants.find((other) => other.name === 'single-lambda'),
      );
      const beside = run.baselineBeside ? summarizeRun(run.baselineBeside, prices, exampleId) : undefined;
      return [
        run.name,
        {
          ...report,
          ...(beside
            ? {
                baselineBeside: {
                  latencyP50Ms: beside.latencyMs.local.p50,
                  awsCallMsPerOrder: beside.orders > 0 ? (beside.counts.awsCallMs ?? 0) / beside.orders : 0,
                  orders: beside.orders,
                },
              }
            : {}),
          ...(baseline ? { overheadRatio: overheadAgainst(report, baseline) } : {}),
          ...(aws ? { modelledAws: aws } : {}),
          ...(scale ? { scale } : {}),
          ...(checkpoints ? { checkpointOverhead: checkpoints } : {}),
        },
      ];
    }),
  );
  return {
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    workload: input.workload,
    variants,
    ...(baseline ? { baseline } : {}),
    sources: describeSources(prices, hopLatency, input.latencyModel),
    ...(view
      ? {
          costCurve: costCurve(view),
          stepDurationSweep: stepDurationSweep(view),
          retryCostCurve: retryCostCurve(view),
          awsView: view,
        }
      : {}),
    claims: checkClaims({ variants, prices, hops: hopLatency, view }),
  };
}

/** Everything the report says about one run, except how it compares to the baseline. */
export function summarizeRun(run: VariantRun, prices: PriceTable, exampleOrderId?: string): VariantReport {
  const finished = run.orders.filter((order) => isTerminal(order.status) && order.terminalAtMs !== undefined);
  const local = summarizeLatencies(finished.map(localLatencyMs));
  // Modelled for AWS: each order's journey priced by the AWS model; older inputs (a load test)
  // may carry only an extra delay on top of the local latency.
  const modelled =
    finished.length > 0 && finished.every((order) => order.modelledAws !== undefined)
      ? summarizeLatencies(finished.map((order) => order.modelledAws!.ms))
      : finished.length > 0 && finished.every((order) => order.modelledAwsExtraMs !== undefined)
        ? summarizeLatencies(finished.map((order) => localLatencyMs(order) + (order.modelledAwsExtraMs ?? 0)))
        : undefined;
  const cost =
    run.orders.length > 0
      ? estimateCost(run.counts, run.orders.length, prices)
      : { perMillionOrdersUsd: 0, breakdown: [], notPriced: [] };
  const example = run.orders.find((order) => order.orderId === exampleOrderId) ?? typicalConfirmedOrder(run.orders);
  const exampleTimeline = example ? toExampleTimeline(example) : undefined;
  return {
    orders: run.orders.length,
    terminal: countTerminal(run.orders),
    nonTerminal: run.orders.length - run.orders.filter((order) => isTerminal(order.status)).length,
    stranded:
      run.stranded ??
      run.orders
        .filter((order) => !isTerminal(order.status))
        .map((order) => ({ orderId: order.orderId, status: order.status, where: 'not observed' })),
    latencyMs: {
      local: local.quantiles,
      ...(modelled ? { modelledAws: modelled.quantiles } : {}),
      ...(finished.length > 0 && finished.every((order) => order.betweenStepsMs !== undefined)
        ? { betweenSteps: summarizeLatencies(finished.map((order) => order.betweenStepsMs ?? 0)).quantiles }
        : {}),
    },
    latencyCdf: modelled ? { local: local.cdf, modelledAws: modelled.cdf } : { local: local.cdf },
    // Orders that waited for a person or a timeout end when those decide, not when the pipeline is
    // done: the throughput window (the driver's) and this count leave them out.
    throughputPerSec: run.wallClockMs > 0 ? finished.filter((o) => !waitOf(o)).length / (run.wallClockMs / 1000) : 0,
    ...(run.cpuMsPerOrder && run.cores
      ? {
          localCapacity: {
            ordersPerSec: (run.cores * 1000) / run.cpuMsPerOrder,
            cpuMsPerOrder: run.cpuMsPerOrder,
            cores: run.cores,
          },
        }
      : {}),
    counts: run.counts,
    countsUnavailable: run.countsUnavailable ?? [],
    costPerMillionUsd: cost.perMillionOrdersUsd,
    costBreakdown: cost.breakdown,
    ...(run.lambdaDuration && run.lambdaGbSecondsMeasured !== undefined && run.orders.length > 0
      ? {
          lambdaDuration: {
            ...run.lambdaDuration,
            measuredGbSeconds: run.lambdaGbSecondsMeasured,
            costAtMeasuredDurationsUsd: estimateCost(
              { ...run.counts, lambdaGbSeconds: run.lambdaGbSecondsMeasured },
              run.orders.length,
              prices,
            ).perMillionOrdersUsd,
          },
        }
      : {}),
    ...(cost.notPriced.length > 0 ? { notPriced: cost.notPriced } : {}),
    invariantViolations: run.invariantViolations,
    templateResources: run.templateResources,
    orchestrationLoc: run.orchestrationLoc,
    retries: sumOf(run.orders.map((order) => order.timeline.filter((entry) => entry.attempt > 1).length)),
    compensations: run.orders.filter((order) =>
      order.timeline.some((e) => COMPENSATION_STEPS.has(e.step) && e.outcome === 'succeeded'),
    ).length,
    dlq: run.parkedOrders ?? run.orders.filter((order) => order.status === 'FAILED').length,
    dlqCounted: run.parkedOrders !== undefined ? 'found in a DLQ or failed execution' : 'FAILED status',
    ...(exampleTimeline && (run.hopType || run.hopsPerOrder !== undefined)
      ? {
          ...(run.hopType ? { hopType: run.hopType } : {}),
          hopsPerOrder: run.hopsPerOrder ?? countHops(exampleTimeline),
        }
      : {}),
    ...(exampleTimeline ? { exampleTimeline } : {}),
    ...(run.placesToLook ? { placesToLook: run.placesToLook } : {}),
    ...(run.fanOut
      ? {
          fanOut: {
            ...run.fanOut,
            costPerMillionUsd:
              run.orders.length > 0
                ? estimateCost(run.fanOut.counts, run.orders.length, prices).perMillionOrdersUsd
                : 0,
          },
        }
      : {}),
    ...(run.target ? { target: run.target } : {}),
    ...(run.review ? { review: summarizeReview(run, prices) } : {}),
  };
}

/** When an order parked for review and when its wait was decided (timeline times, ms), if it waited. */
export function waitOf(order: OrderRun): { parkedAtMs: number; decidedAtMs?: number } | undefined {
  const parked = order.timeline.find((e) => e.step === 'await-review' && e.outcome === 'succeeded');
  if (!parked) return undefined;
  const decided = order.timeline.find(
    (e) => (e.step === 'review-order' || e.step === 'time-out-review') && e.outcome === 'succeeded',
  );
  return { parkedAtMs: Date.parse(parked.at), ...(decided ? { decidedAtMs: Date.parse(decided.at) } : {}) };
}

/** Time an order spent AWAITING_REVIEW (0 when it never waited). */
function waitedMs(order: OrderRun): number {
  const wait = waitOf(order);
  if (!wait) return 0;
  return Math.max(0, (wait.decidedAtMs ?? order.terminalAtMs ?? wait.parkedAtMs) - wait.parkedAtMs);
}

/**
 * How the run's waiting orders waited: how many, how their waits ended, how long they waited
 * and how fast an approval resumed them, and what a waiting order cost (its units priced).
 */
function summarizeReview(run: VariantRun, prices: PriceTable): ReviewReport {
  const review = run.review!;
  const waiting = run.orders.filter((order) => waitOf(order));
  const decisions = { approve: 0, reject: 0, timeout: 0 };
  const resumes: number[] = [];
  for (const order of waiting) {
    const timedOut = order.timeline.some((e) => e.step === 'time-out-review' && e.outcome === 'succeeded');
    const decision = timedOut ? 'timeout' : order.reason === 'ReviewRejected' ? 'reject' : 'approve';
    decisions[decision] += 1;
    const decidedAtMs = waitOf(order)?.decidedAtMs;
    const next = order.timeline.find(
      (e) => e.step === 'charge-payment' && e.outcome === 'succeeded' && Date.parse(e.at) >= (decidedAtMs ?? 0),
    );
    if (decision === 'approve' && decidedAtMs !== undefined && next) resumes.push(Date.parse(next.at) - decidedAtMs);
  }
  const perWaitingOrder: Counts = Object.fromEntries(
    Object.entries(review.waitingCounts).map(([name, n]) => [name, (n ?? 0) / Math.max(1, waiting.length)]),
  );
  const { waitingCounts: _counts, whileWaiting, ...rest } = review;
  const per = (n: number) => n / Math.max(1, waiting.length);
  return {
    ...rest,
    ...(whileWaiting
      ? {
          whileWaitingPerOrder: {
            invocations: per(whileWaiting.invocations),
            lambdaGbSeconds: per(whileWaiting.lambdaGbSeconds),
          },
        }
      : {}),
    waitingOrders: waiting.length,
    decisions,
    ...(waiting.length > 0 ? { waitedMs: summarizeLatencies(waiting.map(waitedMs)).quantiles } : {}),
    ...(resumes.length > 0 ? { resumeMs: summarizeLatencies(resumes).quantiles } : {}),
    perWaitingOrder,
    usdPerWaitingOrder:
      waiting.length > 0
        ? estimateCost(review.waitingCounts, waiting.length, prices).perMillionOrdersUsd / 1_000_000
        : 0,
  };
}

/**
 * The order shown side by side: CONFIRMED in every variant (the workload places the same ids
 * everywhere), and the one whose latency in the first variant is nearest its median, so the
 * timelines show a typical path rather than an outlier.
 */
export function pickExampleOrderId(runs: readonly VariantRun[]): string | undefined {
  const [first, ...rest] = runs;
  if (!first) return undefined;
  const confirmedElsewhere = rest.map((run) => new Set(run.orders.filter(isConfirmed).map((order) => order.orderId)));
  const candidates = first.orders.filter(
    (order) => isConfirmed(order) && confirmedElsewhere.every((ids) => ids.has(order.orderId)),
  );
  return typicalConfirmedOrder(candidates)?.orderId;
}

function typicalConfirmedOrder(orders: readonly OrderRun[]): OrderRun | undefined {
  const confirmed = orders
    .filter(isConfirmed)
    .sort((a, b) => localLatencyMs(a) - localLatencyMs(b) || a.orderId.localeCompare(b.orderId));
  return confirmed[Math.floor((confirmed.length - 1) / 2)];
}

/** Confirmed without waiting for review: the example order shows the pipeline's own path. */
function isConfirmed(order: OrderRun): boolean {
  return order.status === 'CONFIRMED' && order.terminalAtMs !== undefined && !waitOf(order);
}

/**
 * Accept -> terminal, less the time the order waited for a reviewer or its timeout: that wait is a
 * person's (reported on its own, see `summarizeReview`), not the pipeline's latency.
 */
function localLatencyMs(order: OrderRun): number {
  return (order.terminalAtMs ?? order.acceptedAtMs) - order.acceptedAtMs - waitedMs(order);
}

/**
 * The order's measured path, accept to terminal. Entries written after the order ended (a fan-out
 * consumer's, e.g. the warehouse notice) are kept apart: drawn on the path they would make the
 * order look longer than it took.
 */
function toExampleTimeline(order: OrderRun): ExampleTimeline {
  const all = order.timeline.map(({ at, ...entry }) => ({ ...entry, atMs: Date.parse(at) - order.acceptedAtMs }));
  const lastAt = Math.max(0, ...all.map((entry) => entry.atMs));
  const totalMs = order.terminalAtMs !== undefined ? localLatencyMs(order) : lastAt;
  const after = all.filter((entry) => entry.atMs > totalMs);
  return {
    orderId: order.orderId,
    status: order.status,
    totalMs,
    entries: all.filter((entry) => entry.atMs <= totalMs),
    ...(after.length > 0 ? { afterTerminal: after } : {}),
  };
}

/**
 * Every timeline entry but the API's own was brought to its handler by one hop; entries after
 * the order ended (a fan-out consumer such as the warehouse notice) are not on its path.
 */
function countHops(timeline: ExampleTimeline): number {
  return timeline.entries.filter((entry) => entry.step !== 'accept-order').length;
}

function countTerminal(orders: readonly OrderRun[]): Record<TerminalStatus, number> {
  const counts = Object.fromEntries(TERMINAL_STATUSES.map((status) => [status, 0])) as Record<TerminalStatus, number>;
  for (const order of orders) if (isTerminal(order.status)) counts[order.status] += 1;
  return counts;
}

function overheadAgainst(variant: VariantReport, baseline: VariantReport): OverheadRatio {
  return {
    latencyP50: ratio(variant.latencyMs.local.p50, baseline.latencyMs.local.p50),
    latencyP99: ratio(variant.latencyMs.local.p99, baseline.latencyMs.local.p99),
    costPerMillion: ratio(variant.costPerMillionUsd, baseline.costPerMillionUsd),
  };
}

function ratio(value: number, base: number): number | null {
  return base > 0 ? value / base : null;
}

function describeSources(prices: PriceTable, hops: HopLatencyTable, latencyModel: string | undefined): ReportSources {
  return {
    prices: {
      region: prices.region,
      asOf: prices.asOf,
      urls: [...new Set(Object.values(prices.items).map((item) => item.source))],
    },
    hopLatency: {
      title: hops.source.title,
      url: hops.source.url,
      region: hops.source.region,
      measured: hops.source.measured,
      asOf: hops.asOf,
      hops: mapValues(hops.hops, ({ name, p50, p90, p99 }) => ({ name, p50, p90, p99 })),
    },
    ...(latencyModel ? { latencyModel } : {}),
  };
}

function mapValues<K extends string, V, W>(record: Record<K, V>, fn: (value: V) => W): Record<K, W> {
  return Object.fromEntries(Object.entries<V>(record).map(([key, value]) => [key, fn(value)])) as Record<K, W>;
}

function sumOf(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
