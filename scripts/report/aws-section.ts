import { readFileSync } from 'node:fs';
import { isTerminal } from '#domain/order';
import { type AwsModelFigures, describeNotModelled, loadAwsModelFigures } from '../measure/aws-model.ts';
import { type AwsViewModel, computeAwsView, type ViewQuota, type ViewVariant } from '../measure/aws-view.ts';
import type { PriceTable } from '../measure/cost-model.ts';
import type { HopLatencyTable } from '../measure/latency-model.ts';
import { summarizeLatencies } from '../measure/latency-summary.ts';
import type { Counts, ModelledAws, NotModelled, OrderRun, VariantRun, VariantScale } from './types.ts';

export const DEFAULT_QUOTAS_FILE = new URL('../../shared/data/aws-quotas.json', import.meta.url);

interface QuotaFile {
  region: string;
  asOf: string;
  quotas: Record<string, Omit<ViewQuota, 'key'>>;
}

export function loadQuotas(file: string | URL = DEFAULT_QUOTAS_FILE): ViewQuota[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as QuotaFile;
  return Object.entries(data.quotas).map(([key, q]) => {
    if (!/^https:\/\//.test(q.source)) throw new Error(`aws quotas: quotas.${key}.source must be an https URL`);
    if (q.limit !== null && !(typeof q.limit === 'number' && q.limit > 0))
      throw new Error(`aws quotas: quotas.${key}.limit must be a positive number or null`);
    return { key, ...q };
  });
}

/** Monthly volumes of the cost curve: 10 thousand to 1 billion orders, three points a decade. */
export const MONTHLY_VOLUMES = [1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9];
/** Step durations of the sweep: 10 ms to 30 s. */
export const STEP_DURATIONS_MS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000];

/**
 * What a retry bills beyond its invocation, by mechanism: an SQS redelivery is a
 * ChangeMessageVisibility and another receive; a Step Functions retry is a billed transition;
 * Lambda's async retry and EventBridge's bill nothing more.
 */
const MECHANISM_UNITS: Record<string, Record<string, number>> = {
  'sqs-visibility': { sqsRequests: 2 },
  'sfn-retry': { stateTransitions: 1 },
};

/** Retried attempts per order of the retry-rate curve. */
export const RETRY_RATES = [0, 0.1, 0.25, 0.5, 1, 2];

/** 64 MB chunks: Step Functions Express bills each execution's memory this way (pricing page). */
const EXPRESS_BILLED_GB = 64 / 1024;

/**
 * A variant's modelled AWS latency from its orders' priced journeys: quantiles over terminal
 * orders, what could not be modelled (with how many orders it touches) and the sources.
 */
export function summarizeModelledAws(
  run: VariantRun,
  figures: AwsModelFigures,
  hopSource: string,
): ModelledAws | undefined {
  const finished = run.orders.filter((o) => isTerminal(o.status) && o.modelledAws);
  if (finished.length === 0) return undefined;
  const summary = summarizeLatencies(finished.map((o) => o.modelledAws!.ms));
  const touched = new Map<string, number>();
  for (const o of finished) for (const key of o.modelledAws!.notModelled) touched.set(key, (touched.get(key) ?? 0) + 1);
  const confirmed = finished.filter((o) => o.status === 'CONFIRMED');
  const typical = confirmed.length > 0 ? confirmed : finished;
  const mid = (pick: (o: OrderRun) => number): number => median(typical.map(pick));
  const notModelled: NotModelled[] = [...touched].map(([key, orders]) => ({
    ...describeNotModelled(key, figures),
    orders,
    ...(key === 'dynamodb-latency'
      ? { boundMsPerOrder: mid((o) => o.modelledAws!.dynamoCalls) * figures.dynamodbItemLatency.boundMs }
      : {}),
  }));
  return {
    latencyMs: { p50: summary.quantiles.p50, p90: summary.quantiles.p90, p99: summary.quantiles.p99 },
    cdf: summary.cdf,
    notModelled,
    sources: [
      hopSource,
      figures.lambdaInvokeOverhead.source,
      figures.lambdaAsyncRetry.source,
      figures.sqsRedelivery.source,
      figures.stepFunctionsRetry.source,
      ...notModelled.flatMap((n) => (n.source ? [n.source] : [])),
    ].filter((url, i, all) => all.indexOf(url) === i),
    typical: {
      hopsMs: mid((o) => o.modelledAws!.hopsMs),
      computeMs: mid((o) => o.modelledAws!.computeMs),
      retryWaitMs: mid((o) => o.modelledAws!.retryWaitMs),
      steps: mid((o) => o.journey?.invocations.length ?? 0),
      dynamoCalls: mid((o) => o.modelledAws!.dynamoCalls),
    },
  };
}

/** The view model of one variant (and, for Step Functions Standard, its Express sibling). */
export function viewVariants(run: VariantRun, modelled: ModelledAws | undefined, hops: HopLatencyTable): ViewVariant[] {
  if (!modelled || run.orders.length === 0) return [];
  const steps = Math.max(1, modelled.typical.steps);
  const base = unitsView(run, {
    stepsPerOrder: steps,
    measuredStepMs: modelled.typical.computeMs / steps,
    orchestrationMs: modelled.typical.hopsMs + modelled.typical.retryWaitMs,
  });
  const { unitsPerOrder, unitsPerRetry } = base;
  if (run.hopType !== 'sfn-standard') return [base];
  // Express beside Standard: one request per execution and its duration instead of transitions,
  // and Express's own per-hop delays (the same hops, scaled by the published p50s).
  const { stateTransitions: _transitions, sfnStandardExecutions: _executions, ...rest } = unitsPerOrder;
  const hopScale = hops.hops['sfn-express'].p50 / hops.hops['sfn-standard'].p50;
  return [
    base,
    {
      ...base,
      name: `${run.name} (Express)`,
      orchestrationMs: modelled.typical.hopsMs * hopScale + modelled.typical.retryWaitMs,
      unitsPerOrder: { ...rest, sfnExpressRequests: 1 },
      unitsPerRetry: Object.fromEntries(Object.entries(unitsPerRetry).filter(([c]) => c !== 'stateTransitions')),
      expressBilledGb: EXPRESS_BILLED_GB,
    },
  ];
}

/**
 * The view of a variant whose latency is not modelled (no published hop delay: durable-functions,
 * single-lambda), for its scale ceiling only: the ceiling needs the run's units per order and the
 * quotas, not a latency. Its latency stays "not modelled" (NaN here, never a figure), so where
 * latency starts to grow is not modelled either. It stays out of the cost and step-duration curves.
 */
export function scaleOnlyVariant(run: VariantRun): ViewVariant[] {
  if (run.orders.length === 0) return [];
  const finished = run.orders.filter((o) => isTerminal(o.status));
  const confirmed = finished.filter((o) => o.status === 'CONFIRMED');
  const typical = confirmed.length > 0 ? confirmed : finished;
  const counted = typical.filter((o) => o.journey);
  const steps = Math.max(1, median(counted.map((o) => o.journey!.invocations.length)));
  const compute = Object.values(run.calibration?.computeMs ?? {});
  return [
    unitsView(run, {
      stepsPerOrder: steps,
      measuredStepMs: compute.length > 0 ? median(compute) : Number.NaN,
      orchestrationMs: Number.NaN,
      latencyNotModelled: true,
    }),
  ];
}

/**
 * What an order uses of each priced unit and quota, from the run's counts: units per order,
 * Lambda seconds at the light-load calibration durations, and what one more retry costs.
 */
function unitsView(
  run: VariantRun,
  latency: Pick<ViewVariant, 'stepsPerOrder' | 'measuredStepMs' | 'orchestrationMs' | 'latencyNotModelled'>,
): ViewVariant {
  const orders = run.orders.length;
  const unitsPerOrder: Record<string, number> = {};
  for (const [counter, n] of Object.entries(run.counts as Counts)) unitsPerOrder[counter] = (n ?? 0) / orders;
  const calibration = run.calibration;
  const durations = Object.values(calibration?.durationMs ?? {});
  const lambdaSecondsPerOrder =
    calibration && durations.length > 0
      ? ((unitsPerOrder.lambdaInvocations ?? 0) * median(durations)) / 1000
      : (unitsPerOrder.lambdaInvocations ?? 0) * 0.1;
  const invocations = unitsPerOrder.lambdaInvocations ?? 0;
  const memoryGb = invocations > 0 ? (unitsPerOrder.lambdaGbSeconds ?? 0) / (lambdaSecondsPerOrder || 1) : 1;
  if (run.hopType === 'sfn-standard') unitsPerOrder.sfnStandardExecutions = 1;
  // One more retried attempt: an invocation like the others, plus what its mechanism bills.
  const perInvocation = (counter: string): number =>
    invocations > 0 ? (unitsPerOrder[counter] ?? 0) / invocations : 0;
  const mechanisms = new Map<string, number>();
  for (const o of run.orders)
    for (const [m, n] of Object.entries(o.journey?.retries ?? {})) mechanisms.set(m, (mechanisms.get(m) ?? 0) + n);
  const retries = [...mechanisms.values()].reduce((a, b) => a + b, 0);
  const unitsPerRetry: Record<string, number> = {
    lambdaInvocations: 1,
    lambdaGbSeconds: perInvocation('lambdaGbSeconds'),
    dynamoWriteUnits: perInvocation('dynamoWriteUnits'),
    dynamoReadUnits: perInvocation('dynamoReadUnits'),
  };
  for (const [m, n] of mechanisms) {
    for (const [counter, units] of Object.entries(MECHANISM_UNITS[m] ?? {}))
      unitsPerRetry[counter] = (unitsPerRetry[counter] ?? 0) + (units * n) / Math.max(1, retries);
  }
  return {
    name: run.name,
    unitsPerOrder,
    ...latency,
    lambdaSecondsPerOrder,
    memoryGb: Number.isFinite(memoryGb) && memoryGb > 0 ? memoryGb : 1,
    ...(run.hopType === 'sfn-express' ? { expressBilledGb: EXPRESS_BILLED_GB } : {}),
    retriesPerOrder: retries / orders,
    unitsPerRetry,
  };
}

export function viewPrices(prices: PriceTable): AwsViewModel['prices'] {
  return Object.values(prices.items).map((item) => ({
    label: item.label,
    counter: item.counter,
    usdPerUnit: item.usd / item.perUnits,
    freePerMonth: item.freePerMonth ?? 0,
  }));
}

export function scaleOf(view: AwsViewModel, name: string): VariantScale | undefined {
  const v = computeAwsView(view, { monthlyOrders: 1e6 }).variants.find((x) => x.name === name);
  if (!v) return undefined;
  const binding = view.quotas.find((q) => q.name === v.bindingQuota);
  const variant = view.variants.find((x) => x.name === name);
  // JSON has no Infinity: a quota without a ceiling is null ("no ceiling").
  const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
  return {
    maxOrdersPerSec: finite(v.maxOrdersPerSec),
    bindingQuota: v.bindingQuota,
    raise: binding?.raise ?? '',
    source: binding?.source ?? '',
    latencyGrowsFromOrdersPerSec: finite(v.latencyGrowsFromOrdersPerSec),
    ...(variant?.latencyNotModelled
      ? { latencyNotModelled: 'no published hop delay for this variant, so no modelled latency to add 10% to' }
      : {}),
    quotas: v.quotas.map(({ name: quota, limit, perOrder, ordersPerSec, latencyGrowsFromOrdersPerSec, source }) => ({
      name: quota,
      limit,
      perOrder,
      ordersPerSec: finite(ordersPerSec),
      latencyGrowsFromOrdersPerSec: finite(latencyGrowsFromOrdersPerSec),
      source,
    })),
  };
}

export function costCurve(view: AwsViewModel): { monthlyOrders: number; usd: Record<string, number> }[] {
  return MONTHLY_VOLUMES.map((monthlyOrders) => ({
    monthlyOrders,
    usd: Object.fromEntries(
      computeAwsView(view, { monthlyOrders }).variants.map((v) => [v.name, round(v.monthlyUsd, 2)]),
    ),
  }));
}

export function stepDurationSweep(view: AwsViewModel): {
  stepMs: number;
  overheadShare: Record<string, number>;
  latencyP50Ms: Record<string, number>;
  usdPerMillion: Record<string, number>;
}[] {
  return STEP_DURATIONS_MS.map((stepMs) => {
    const variants = computeAwsView(view, { monthlyOrders: 1e6, stepMs }).variants;
    return {
      stepMs,
      overheadShare: Object.fromEntries(variants.map((v) => [v.name, round(v.overheadShare, 4)])),
      latencyP50Ms: Object.fromEntries(variants.map((v) => [v.name, round(v.latencyP50Ms, 1)])),
      usdPerMillion: Object.fromEntries(variants.map((v) => [v.name, round(v.usdPerMillionOrders, 2)])),
    };
  });
}

export function retryCostCurve(
  view: AwsViewModel,
): { retriesPerOrder: number; usdPerMillion: Record<string, number> }[] {
  return RETRY_RATES.map((retriesPerOrder) => ({
    retriesPerOrder,
    usdPerMillion: Object.fromEntries(
      computeAwsView(view, { monthlyOrders: 1e6, retriesPerOrder }).variants.map((v) => [
        v.name,
        round(v.usdPerMillionOrders, 2),
      ]),
    ),
  }));
}

export { loadAwsModelFigures };

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
