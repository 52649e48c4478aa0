import type { HopType } from '#cloud/types';
import type { StepName, TerminalStatus } from '#domain/order';
import { mulberry32 } from '#cloud/eventbridge/prng';
import { loadAwsModelFigures, modelOrder, type OrderJourney } from '#measure/aws-model';
import { createLatencyModel, loadHopLatencyTable } from '#measure/latency-model';
import type { Counts, OrderRun, OrderTimelineEntry, RunInput, VariantRun } from '#report/types';

/** How a synthetic variant behaves: local delay per hop, what it counts per order, its size. */
interface VariantProfile {
  hopType?: HopType;
  localHopMs: number;
  countsPerOrder: Counts;
  templateResources: number;
  orchestrationLoc: number;
}

// Plausible shapes, not measurements: enough for every chart and verdict to have something to say.
const PROFILES: Record<string, VariantProfile> = {
  'sqs-chain': {
    hopType: 'sqs',
    localHopMs: 6,
    templateResources: 38,
    orchestrationLoc: 140,
    countsPerOrder: {
      lambdaInvocations: 5,
      lambdaGbSeconds: 0.08,
      sqsRequests: 12,
      dynamoReadUnits: 6,
      dynamoWriteUnits: 9,
    },
  },
  'eventbridge-flags': {
    hopType: 'eventbridge',
    localHopMs: 9,
    templateResources: 44,
    orchestrationLoc: 210,
    countsPerOrder: {
      lambdaInvocations: 7,
      lambdaGbSeconds: 0.11,
      eventsPut: 5,
      eventDeliveries: 7,
      dynamoReadUnits: 10,
      dynamoWriteUnits: 16,
    },
  },
  'step-functions': {
    hopType: 'sfn-standard',
    localHopMs: 11,
    templateResources: 27,
    orchestrationLoc: 95,
    countsPerOrder: {
      lambdaInvocations: 5,
      lambdaGbSeconds: 0.08,
      stateTransitions: 9,
      dynamoReadUnits: 6,
      dynamoWriteUnits: 9,
    },
  },
};

const BASELINE: VariantProfile = {
  localHopMs: 0.4,
  templateResources: 0,
  orchestrationLoc: 0,
  countsPerOrder: { lambdaInvocations: 1, lambdaGbSeconds: 0.02, dynamoReadUnits: 6, dynamoWriteUnits: 9 },
};

type Step = [step: StepName, outcome: OrderTimelineEntry['outcome'], attempt: number];

/** The order paths of the domain, with the share of the workload that takes each. */
const PATHS: { share: number; status: TerminalStatus; reason?: string; steps: Step[] }[] = [
  {
    share: 0.8,
    status: 'CONFIRMED',
    steps: [
      ['validate-order', 'succeeded', 1],
      ['charge-payment', 'succeeded', 1],
      ['reserve-inventory', 'succeeded', 1],
      ['send-confirmation', 'succeeded', 1],
    ],
  },
  {
    share: 0.06,
    status: 'CONFIRMED',
    steps: [
      ['validate-order', 'succeeded', 1],
      ['charge-payment', 'failed', 1],
      ['charge-payment', 'succeeded', 2],
      ['reserve-inventory', 'succeeded', 1],
      ['send-confirmation', 'succeeded', 1],
    ],
  },
  {
    share: 0.05,
    status: 'CANCELLED',
    reason: 'PaymentDeclinedError',
    steps: [
      ['validate-order', 'succeeded', 1],
      ['charge-payment', 'failed', 1],
      ['cancel-order', 'succeeded', 1],
    ],
  },
  {
    share: 0.04,
    status: 'CANCELLED',
    reason: 'OutOfStockError',
    steps: [
      ['validate-order', 'succeeded', 1],
      ['charge-payment', 'succeeded', 1],
      ['reserve-inventory', 'failed', 1],
      ['refund-payment', 'succeeded', 1],
      ['cancel-order', 'succeeded', 1],
    ],
  },
  {
    share: 0.04,
    status: 'REJECTED',
    reason: 'ValidationError',
    steps: [
      ['validate-order', 'failed', 1],
      ['reject-order', 'succeeded', 1],
    ],
  },
  {
    share: 0.01,
    status: 'FAILED',
    reason: 'TransientDependencyError',
    steps: [
      ['validate-order', 'succeeded', 1],
      ['charge-payment', 'failed', 1],
      ['charge-payment', 'failed', 2],
      ['charge-payment', 'failed', 3],
      ['fail-order', 'succeeded', 1],
    ],
  },
];

const START_MS = Date.UTC(2026, 0, 1, 12);
const RETRY_BACKOFF_MS = 40;

export interface RunInputOptions {
  /** Orders per variant (default 400). */
  orders?: number;
  seed?: number;
  /** Replaces fields of a variant's run (or of 'baseline') after it is generated. */
  adjust?: Record<string, Partial<VariantRun>>;
}

/**
 * A synthetic run of the three variants and the baseline over the same orders: same ids, same
 * outcomes, variant-specific local hop delays, AWS extras from the seeded latency model.
 *
 * @example
 * const input = aRunInput({ adjust: { 'step-functions': { counts: { stateTransitions: 0 } } } });
 */
export function aRunInput(options: RunInputOptions = {}): RunInput {
  const orders = options.orders ?? 400;
  const seed = options.seed ?? 7;
  const paths = Array.from({ length: orders }, (_, i) => pickPath(mulberry32(seed * 1_000_003 + i)()));
  const run = (name: string, profile: VariantProfile, index: number): VariantRun => ({
    ...generateRun(name, profile, paths, seed + index),
    ...options.adjust?.[name],
  });
  return {
    workload: { orders, seed, concurrency: 16, latencyModel: 'aws' },
    generatedAt: '2026-01-01T12:00:00.000Z',
    variants: Object.entries(PROFILES).map(([name, profile], i) => run(name, profile, i + 1)),
    baseline: run('baseline', BASELINE, 0),
    latencyModel: createLatencyModel({ mode: 'aws', seed }).describe(),
  };
}

function pickPath(u: number): (typeof PATHS)[number] {
  let cumulative = 0;
  for (const path of PATHS) {
    cumulative += path.share;
    if (u < cumulative) return path;
  }
  return PATHS[0]!;
}

/** The mechanism that retries a failed step in each synthetic variant. */
const RETRY_MECHANISM: Record<string, string> = {
  sqs: 'sqs-visibility',
  eventbridge: 'lambda-async',
  'sfn-standard': 'sfn-retry',
  'sfn-express': 'sfn-retry',
};
/** Own compute of every synthetic step at light load, ms (the calibration). */
const STEP_COMPUTE_MS = 6;
const HOPS = loadHopLatencyTable();
const FIGURES = loadAwsModelFigures();

function generateRun(
  name: string,
  profile: VariantProfile,
  paths: readonly (typeof PATHS)[number][],
  seed: number,
): VariantRun {
  const random = mulberry32(seed);
  const calibration = Object.fromEntries(
    PATHS.flatMap((path) => path.steps.map(([step]) => [step, STEP_COMPUTE_MS] as const)),
  );
  const orders = paths.map((path, i): OrderRun => {
    const orderId = `order-${String(i).padStart(4, '0')}`;
    const acceptedAtMs = START_MS + i * 5;
    let t = acceptedAtMs;
    const journey: OrderJourney = { invocations: [], hops: [], retries: [] };
    const timeline: OrderTimelineEntry[] = [{ step: 'accept-order', outcome: 'succeeded', attempt: 1, at: iso(t) }];
    for (const [step, outcome, attempt] of path.steps) {
      const started = t;
      t += profile.localHopMs * (0.6 + random() * 0.8) + 1 + random() * 2 + (attempt > 1 ? RETRY_BACKOFF_MS : 0);
      if (profile.hopType) {
        journey.hops.push({ type: profile.hopType, atMs: started });
        journey.invocations.push({
          functionName: step,
          startedAtMs: started,
          endedAtMs: t,
          cold: false,
          dynamoCalls: 3,
        });
        if (attempt > 1)
          journey.retries.push({
            mechanism: RETRY_MECHANISM[profile.hopType]!,
            attempt: attempt - 1,
            target: step,
            retrier: { IntervalSeconds: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
            atMs: started,
          });
      }
      timeline.push({ step, outcome, attempt, at: iso(t) });
    }
    const modelledAws = profile.hopType
      ? modelOrder(journey, { seed, orderId, hops: HOPS, figures: FIGURES, compute: calibration })
      : undefined;
    return {
      orderId,
      acceptedAtMs,
      terminalAtMs: t,
      status: path.status,
      ...(path.reason ? { reason: path.reason } : {}),
      timeline,
      ...(modelledAws
        ? {
            modelledAws,
            journey: {
              hops: { [profile.hopType!]: journey.hops.length },
              invocations: journey.invocations.map((inv) => inv.functionName),
              coldStarts: 0,
              dynamoCalls: modelledAws.dynamoCalls,
              retries: journey.retries.length > 0 ? { [journey.retries[0]!.mechanism]: journey.retries.length } : {},
            },
          }
        : {}),
    };
  });
  const retries = orders.reduce((n, order) => n + order.timeline.filter((entry) => entry.attempt > 1).length, 0);
  const counts = Object.fromEntries(
    Object.entries(profile.countsPerOrder).map(([counter, perOrder]) => [counter, perOrder * orders.length]),
  );
  return {
    name,
    orders,
    counts: { ...counts, retries },
    wallClockMs: Math.max(...orders.map((order) => order.terminalAtMs ?? 0)) - START_MS,
    templateResources: profile.templateResources,
    orchestrationLoc: profile.orchestrationLoc,
    invariantViolations: [],
    ...(profile.hopType
      ? {
          hopType: profile.hopType,
          calibration: { orders: 30, computeMs: calibration, durationMs: mapValues(calibration, (ms) => ms + 9) },
          placesToLook: { logGroups: 7, dlqs: profile.hopType === 'sqs' ? 5 : 0, executionHistories: 0 },
        }
      : {}),
  };
}

function mapValues(record: Record<string, number>, fn: (value: number) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
