import { availableParallelism } from 'node:os';
import { checkInvariants, type InvariantViolation } from '#domain/invariants';
import { isTerminal, type OrderStatus } from '#domain/order';
import { startLocalCloud, type LocalCloud } from '../local-cloud/cloud.ts';
import type { DeployedStack } from '../local-cloud/deploy.ts';
import { type ComputeCalibration, loadAwsModelFigures, modelOrder, type OrderJourney } from '../measure/aws-model.ts';
import { expectedInCodeRetryWaitMs, lightLoadMs } from '../measure/lambda-duration.ts';
import { createLatencyModel, loadHopLatencyTable } from '../measure/latency-model.ts';
import { buildReport, waitOf } from '../report/build-report.ts';
import type { Counts, JourneySummary, OrderRun, PlacesToLook, Report, RunInput, VariantRun } from '../report/types.ts';
import { runBaseline } from './baseline.ts';
import { findMismatches } from './stress-matrix.ts';
import { driveWorkload } from './driver.ts';
import { LocalStackProbe } from './local-probe.ts';
import { type CfnTemplate, orchestrationLoc, packageService } from './package-service.ts';
import { fanOutConsumers, withoutFanOut } from './pipeline-counts.ts';
import { RunInstruments } from './run-instruments.ts';
import { emulatorsFor, packageArgs, reviewOf, serviceDir, specOf, type Variant } from './variants.ts';
import { lambdaWhileWaiting, type WhileWaiting } from './while-waiting.ts';
import {
  CALIBRATION_ORDERS,
  calibrationWorkload,
  localReviewTimeoutSeconds,
  expectedReviews,
  generateWorkload,
  type WorkloadOrder,
} from './workload.ts';

export interface ComparisonOptions {
  orders: number;
  concurrency: number;
  /** Orders per second (open model); 0 = closed model at `concurrency`. */
  rate: number;
  seed: number;
  declineRate: number;
  outOfStockRate: number;
  transientRate: number;
  rejectRate: number;
  /** Share of orders that wait for a manual review (absent: none); see WorkloadOptions. */
  reviewRate?: number;
  /** Share of the review orders the reviewer (the driver) rejects. */
  reviewRejectRate?: number;
  /** Share of the review orders nobody decides: they time out. */
  reviewTimeoutRate?: number;
  /** The review timeout the stacks are deployed with for the run (seconds; a day on AWS). */
  reviewTimeoutSeconds?: number;
  variants: Variant[];
  latencyModel: 'aws' | 'none';
  sfnType: 'standard' | 'express';
  /**
   * Optional cap per variant. Without it a variant's run ends when every order is terminal or the
   * local cloud is quiescent (an order still not terminal then is stranded and reported).
   */
  deadlineMs?: number;
  /**
   * Orders of each variant's light-load calibration (1 in flight) with `--latency-model aws`;
   * default CALIBRATION_ORDERS (30), as the load test's `--calibration-orders`.
   */
  calibrationOrders?: number;
  /**
   * Happy-path orders driven through each variant before its measured run (then forgotten by the
   * counters), as the baseline warms its process up before its clock starts: a fresh execution
   * environment's first few hundred SDK calls run slower while the JIT warms up. 0 by default;
   * `npm run bench` warms up, so both sides of its ratio are warm.
   */
  warmUpOrders?: number;
  /**
   * Also runs the baseline on the same orders right after each variant (`npm run bench`), so each
   * variant's ratio has a lower bound measured at the same moment of the machine (the baseline's
   * own p50 moved by a quarter between runs measured minutes apart).
   */
  baselineBesideEachVariant?: boolean;
  onProgress?: (variant: string, done: number, total: number) => void;
  onPhase?: (message: string) => void;
}

/**
 * The main job: one local cloud, the chosen variants deployed into it from their own
 * serverless.yml, the same seeded workload driven through each in turn (so counts are theirs
 * alone and they do not compete for the CPU), invariants checked after each, and the baseline
 * (the same steps in a process of its own, no messaging) as the lower bound.
 */
export async function runComparison(options: ComparisonOptions): Promise<Report> {
  return buildReport(await measureVariants(options));
}

/** The measured runs themselves (per order), before they are summarized into a report. */
export async function measureVariants(options: ComparisonOptions): Promise<RunInput> {
  const phase = options.onPhase ?? (() => {});
  const workload = generateWorkload({ ...options, runId: `s${options.seed}` });
  const reviewTimeoutSeconds = options.reviewTimeoutSeconds ?? localReviewTimeoutSeconds(options);
  const instruments = new RunInstruments();
  // Async retries wait as long as the other variants' backoff (1 s, 2 s), for a fair comparison.
  const cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0 },
    instruments,
    asyncRetryDelaysMs: [1000, 2000],
    optional: emulatorsFor(options.variants),
  });
  try {
    phase('packaging templates and deploying into the local cloud');
    const [stacks, templates] = await Promise.all([
      Promise.all(
        options.variants.map((variant) =>
          cloud.deploy(serviceDir(variant), {
            httpPort: 0,
            environment: { LOG_LEVEL: 'CRITICAL', FAULT_SEED: String(options.seed) },
            // A day on AWS; seconds here, so the orders nobody reviews end within the run.
            params: { ...specOf(variant).params?.(options), reviewTimeoutSeconds: String(reviewTimeoutSeconds) },
          }),
        ),
      ),
      Promise.all(
        options.variants.map(async (variant) => {
          // The resources are what the report counts: the template alone, no bundle per function.
          const template = await packageService(variant, packageArgs(variant, options), { code: false });
          return {
            resources: Object.keys(template.Resources).length,
            loc: await orchestrationLoc(variant),
            places: placesToLook(template),
          };
        }),
      ),
    ]);
    const runs: VariantRun[] = [];
    const warmUp = options.warmUpOrders
      ? generateWorkload({
          ...options,
          orders: options.warmUpOrders,
          declineRate: 0,
          outOfStockRate: 0,
          transientRate: 0,
          rejectRate: 0,
          reviewRate: 0,
          runId: `w${options.seed}`,
        })
      : [];
    for (const [index, variant] of options.variants.entries()) {
      const hopType = specOf(variant).hopType?.(options);
      if (warmUp.length > 0) {
        phase(`warming ${variant} up with ${warmUp.length} orders (not measured)`);
        const probe = new LocalStackProbe(cloud, stacks[index]!);
        await driveWorkload({
          apiUrl: stacks[index]!.apiUrl ?? '',
          orders: warmUp,
          concurrency: options.concurrency,
          activity: () => cloud.activity(),
          readOrders: (ids) => probe.orders(ids),
        });
        await cloud.idle();
      }
      // The AWS model prices invocations at light load, and so does the cost; without it (stress,
      // bench) durations are priced as measured. A variant without a modelled latency (no hopType)
      // is calibrated too: its cost and its Lambda concurrency ceiling use the same light-load
      // durations as the others (the load test calibrates its target the same way).
      let calibration: Calibration = { computeMs: {}, durationMs: {} };
      if (options.latencyModel === 'aws') {
        phase(`calibrating ${variant}: each function's duration at light load (1 in flight)`);
        calibration = await calibrate(cloud, stacks[index]!, instruments, options);
      }
      // A variant without a review mechanism yet (or one that cannot wait in this configuration:
      // Express) runs the workload without its review orders.
      const { review, unavailable } = reviewOf(variant, options);
      const own = review ? workload : workload.filter((order) => !order.review);
      if (own.length < workload.length)
        phase(
          `${variant} ${unavailable ? `cannot wait (${unavailable.split(';')[0]})` : 'has no review mechanism yet'}: ` +
            `its run leaves the ${workload.length - own.length} review orders out`,
        );
      phase(`driving ${own.length} orders through ${variant}`);
      instruments.reset(createLatencyModel({ mode: options.latencyModel, seed: options.seed }));
      const {
        waitingCounts: waited,
        whileWaiting,
        ...run
      } = await runVariant(cloud, stacks[index]!, variant, own, instruments, options, calibration);
      runs.push({
        ...run,
        review: {
          supported: review !== undefined,
          skippedOrders: workload.length - own.length,
          timeoutSeconds: reviewTimeoutSeconds,
          ...(review ? { mechanism: review.mechanism, findWaiting: review.findWaiting } : {}),
          ...(unavailable || review?.limit ? { limit: unavailable ?? review?.limit } : {}),
          waitingCounts: waitingCounts(run.counts, waited),
          ...(review ? { whileWaiting } : {}),
        },
        templateResources: templates[index]!.resources,
        orchestrationLoc: templates[index]!.loc,
        placesToLook: templates[index]!.places,
        ...(hopType ? { hopType } : {}),
        ...(specOf(variant).hopsPerOrder !== undefined ? { hopsPerOrder: specOf(variant).hopsPerOrder } : {}),
      });
      if (options.baselineBesideEachVariant) {
        phase(`running the baseline right after ${variant}, on the same ${own.length} orders`);
        instruments.reset();
        runs[runs.length - 1]!.baselineBeside = await runBaseline(cloud, own, options.concurrency, options.seed);
      }
    }
    phase('running the baseline (the same steps in a process of its own, no messaging)');
    instruments.reset();
    const baseline = await runBaseline(cloud, workload, options.concurrency, options.seed);
    for (const run of runs) run.invariantViolations.push(...baselineMismatches(run, baseline));
    return {
      workload: {
        orders: options.orders,
        concurrency: options.concurrency,
        rate: options.rate,
        seed: options.seed,
        declineRate: options.declineRate,
        outOfStockRate: options.outOfStockRate,
        transientRate: options.transientRate,
        rejectRate: options.rejectRate,
        reviewRate: options.reviewRate ?? 0,
        reviewRejectRate: options.reviewRejectRate ?? 0,
        reviewTimeoutRate: options.reviewTimeoutRate ?? 0,
        reviewTimeoutSeconds,
        variants: options.variants.join(','),
        latencyModel: options.latencyModel,
        sfnType: options.sfnType,
        target: 'local cloud',
      },
      variants: runs,
      baseline,
      latencyModel: createLatencyModel({ mode: options.latencyModel, seed: options.seed }).describe(),
    };
  } finally {
    await cloud.stop();
  }
}

/**
 * Every order of the run that ended in another terminal state than the same order in the
 * baseline, which ran the same orders with the same seed: the orchestration changed an outcome
 * the domain decides. An order not terminal in either is counted as that already (not-terminal).
 */
export function baselineMismatches(run: VariantRun, baseline: VariantRun): InvariantViolation[] {
  return findMismatches(run, baseline)
    .filter((m) => isTerminal(m.status as OrderStatus) && isTerminal(m.baseline as OrderStatus))
    .map((m) => ({
      rule: 'baseline-mismatch' as const,
      orderId: m.orderId,
      message: `order ${m.orderId} ended ${m.status} in ${run.name}, ${m.baseline} in the baseline`,
    }));
}

type Calibration = { computeMs: ComputeCalibration; durationMs: Record<string, number> };

export { CALIBRATION_ORDERS, calibrationWorkload };

/** The calibration's poll interval (ms): see `pollMs` of the driver. */
const CALIBRATION_POLL_MS = 40;

/**
 * Each function's own compute (duration minus time in AWS calls) and full duration at light
 * load: a small seeded workload, one order in flight, after the environments are warm. The AWS
 * model prices invocations with these, never with durations measured under the run's load.
 */
async function calibrate(
  cloud: LocalCloud,
  stack: DeployedStack,
  instruments: RunInstruments,
  options: ComparisonOptions,
): Promise<Calibration> {
  const orders = calibrationWorkload(options, `c${options.seed}`, options.calibrationOrders ?? CALIBRATION_ORDERS);
  instruments.reset();
  const probe = new LocalStackProbe(cloud, stack);
  await driveWorkload({
    apiUrl: stack.apiUrl ?? '',
    orders,
    concurrency: 1,
    // One order at a time, none waiting for review: read often, so the next one is not held up.
    pollMs: CALIBRATION_POLL_MS,
    activity: () => cloud.activity(),
    readOrders: (ids) => probe.orders(ids),
  });
  await cloud.idle();
  return {
    computeMs: mapMedians(instruments.computeSamples()),
    // p50 of every invocation's Duration, as the load test reads it from CloudWatch.
    durationMs: p50s(instruments.durationSamples()),
  };
}

/** Each function's p50 duration ({@link lightLoadMs}), by name. */
function p50s(samples: Map<string, number[]>): Record<string, number> {
  return Object.fromEntries(
    [...samples].flatMap(([name, values]) => {
      const ms = lightLoadMs(values);
      return ms === undefined ? [] : [[name, ms]];
    }),
  );
}

function mapMedians(samples: Map<string, number[]>): Record<string, number> {
  return Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Where an operator looks when an order fails: log groups, DLQs, executions (from the template). */
function placesToLook(template: CfnTemplate): PlacesToLook {
  const resources = Object.entries(template.Resources);
  return {
    logGroups: resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function').length,
    dlqs: resources.filter(([id, r]) => r.Type === 'AWS::SQS::Queue' && /dlq|deadletter/i.test(id)).length,
    executionHistories: resources.filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine').length,
  };
}

async function runVariant(
  cloud: LocalCloud,
  stack: DeployedStack,
  variant: Variant,
  workload: WorkloadOrder[],
  instruments: RunInstruments,
  options: ComparisonOptions,
  calibration: Calibration,
): Promise<
  Omit<VariantRun, 'templateResources' | 'orchestrationLoc'> & {
    waitingCounts: Counts;
    whileWaiting: WhileWaiting;
  }
> {
  const probe = new LocalStackProbe(cloud, stack);
  const cpuBefore = process.cpuUsage();
  const result = await driveWorkload({
    apiUrl: stack.apiUrl ?? '',
    orders: workload,
    concurrency: options.concurrency,
    ...(options.rate ? { ratePerSec: options.rate } : {}),
    ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
    activity: () => cloud.activity(),
    readOrders: (ids) => probe.orders(ids),
    onProgress: (done, total) => options.onProgress?.(variant, done, total),
  });
  if (result.endedBy !== 'deadline') await cloud.idle();
  const cpu = process.cpuUsage(cpuBefore);
  const { counts, waiting } = splitWaitCounts(instruments.counters());
  const where = await probe.whereAre(result.timedOut);
  // Orders the API never accepted (the client's retries ran out): what it answered, and whether the
  // order exists anyway (written before the failure: its pipeline may or may not have started).
  const refused = result.outcomes.filter((o) => o.httpStatus !== 202 && o.httpStatus !== 200);
  const refusedRecords = new Map(
    (await probe.orders(refused.map((o) => o.orderId))).map((record) => [record.orderId, record]),
  );
  const snapshot = await probe.snapshot(
    result.outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200).map((o) => o.orderId),
    { expectedReviews: expectedReviews(workload) },
  );
  // A variant whose hops have no published delay is not modelled at all (never as zero extra delay).
  const modelled = options.latencyModel === 'aws' && specOf(variant).hopType !== undefined;
  const hops = loadHopLatencyTable();
  const figures = loadAwsModelFigures();
  const orders = result.outcomes.map((o) => {
    const record = o.record;
    const acceptedAtMs = record ? Date.parse(record.createdAt) : o.acceptedAtMs;
    const terminalAtMs = record?.terminalAt ? Date.parse(record.terminalAt) : undefined;
    return { o, record, acceptedAtMs, terminalAtMs };
  });
  const fanOut = fanOutConsumers(instruments, new Map(orders.map((x) => [x.o.orderId, x.terminalAtMs])));
  // A function the light-load calibration never ran (the review API: its workload has no review
  // orders) is priced at its p50 duration of this run (the load test reads the same from CloudWatch).
  const durations =
    Object.keys(calibration.durationMs).length > 0
      ? { ...p50s(instruments.durationSamples()), ...calibration.durationMs }
      : calibration.durationMs;
  const waitGbSeconds = inCodeRetryWaitGbSeconds(
    variant,
    instruments,
    orders.map((x) => x.record?.timeline ?? []),
  );
  const pipelineCounts = withoutFanOut(counts, instruments, fanOut, durations, waitGbSeconds);
  const waitFunctions = new Set((specOf(variant).review?.waitFunctions ?? []).map((key) => stack.functions[key]));
  for (const [name, fn] of instruments.functions()) {
    if (!waitFunctions.has(name)) continue;
    // At its p50 duration (light load, else this run's), else as this run's invocations were billed.
    const samples = instruments.durationSamples().get(name);
    const warm = durations[name] ?? (samples ? median(samples) : undefined);
    const billedMs = warm !== undefined ? fn.invocations * Math.ceil(warm) : fn.billedMs;
    waiting.lambdaGbSeconds = (waiting.lambdaGbSeconds ?? 0) + ((fn.memoryMb / 1024) * billedMs) / 1000;
    waiting.lambdaInvocations = (waiting.lambdaInvocations ?? 0) + fn.invocations;
  }
  // What the waiting orders' own functions ran while they waited (zero unless something holds compute).
  const memoryOf = (name: string) => instruments.functions().get(name)?.memoryMb ?? 1024;
  const byOrder = instruments.invocationsByOrder();
  const whileWaiting: WhileWaiting = { invocations: 0, lambdaGbSeconds: 0 };
  for (const { o, record } of orders) {
    const wait = record ? waitOf({ timeline: record.timeline } as OrderRun) : undefined;
    if (!wait) continue;
    const spent = lambdaWhileWaiting(byOrder.get(o.orderId) ?? [], wait, memoryOf);
    whileWaiting.invocations += spent.invocations;
    whileWaiting.lambdaGbSeconds += spent.lambdaGbSeconds;
  }
  return {
    name: variant,
    whileWaiting,
    orders: orders.map(({ o, record, acceptedAtMs, terminalAtMs }) => {
      // Modelled for AWS: the order's journey priced with published figures (aws-model.ts).
      const journey =
        modelled && terminalAtMs !== undefined ? instruments.journey(o.orderId, acceptedAtMs, terminalAtMs) : undefined;
      const modelledAws = journey
        ? modelOrder(journey, { seed: options.seed, orderId: o.orderId, hops, figures, compute: calibration.computeMs })
        : undefined;
      // What its handlers timed themselves (a durable function's checkpoints): local figures.
      const timings = terminalAtMs !== undefined ? instruments.timingsOf(o.orderId, acceptedAtMs, terminalAtMs) : [];
      return {
        orderId: o.orderId,
        acceptedAtMs,
        ...(terminalAtMs !== undefined
          ? {
              terminalAtMs,
              betweenStepsMs: instruments.betweenStepsMs(o.orderId, acceptedAtMs, terminalAtMs),
              inHandlerMs: instruments.inHandlerMs(o.orderId, acceptedAtMs, terminalAtMs),
            }
          : {}),
        ...(timings.length > 0 ? { timings } : {}),
        status: record?.status ?? 'ACCEPTED',
        ...(record?.reason ? { reason: record.reason } : {}),
        timeline: record?.timeline ?? [],
        ...(modelledAws ? { modelledAws } : {}),
        ...(journey ? { journey: summarizeJourney(journey) } : {}),
      };
    }),
    counts: pipelineCounts.counts,
    waitingCounts: waiting,
    lambdaGbSecondsMeasured: pipelineCounts.measuredGbSeconds,
    lambdaDuration: {
      basis: Object.keys(calibration.durationMs).length > 0 ? 'light-load' : 'measured',
      ...(Object.keys(calibration.durationMs).length > 0 ? { lightLoadMs: calibration.durationMs } : {}),
      ...(waitGbSeconds > 0 ? { inCodeRetryWaitGbSeconds: waitGbSeconds } : {}),
      ...(pipelineCounts.notCalibrated.length > 0 ? { notCalibrated: pipelineCounts.notCalibrated } : {}),
    },
    ...(fanOut.size > 0 ? { fanOut: { functions: [...fanOut], counts: pipelineCounts.fanOutCounts } } : {}),
    ...(Object.keys(calibration.computeMs).length > 0
      ? { calibration: { orders: options.calibrationOrders ?? CALIBRATION_ORDERS, ...calibration } }
      : {}),
    stranded: [
      ...result.timedOut.map((orderId) => {
        const status = result.outcomes.find((o) => o.orderId === orderId)?.record?.status ?? 'ACCEPTED';
        return { orderId, status, where: where.get(orderId) ?? 'unknown' };
      }),
      ...refused.map((o) => {
        const record = refusedRecords.get(o.orderId);
        const answer = o.httpStatus === 0 ? 'no answer' : `HTTP ${o.httpStatus}`;
        return {
          orderId: o.orderId,
          status: record?.status ?? ('ACCEPTED' as const),
          where:
            `never accepted: POST /orders got ${answer} after the client's retries; ` +
            (record ? `the order exists anyway, ${record.status}` : 'no order written'),
        };
      }),
    ],
    wallClockMs: result.finishedAtMs - result.startedAtMs,
    // Every thread of this process: the emulators, the handlers' environments, the driver (small).
    cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / Math.max(1, workload.length),
    cores: availableParallelism(),
    invariantViolations: checkInvariants(snapshot),
    // What sits in a DLQ or a failed execution, looked up there (not the FAILED status).
    parkedOrders: workload.filter((w) => snapshot.parkedOrderIds.has(w.command.orderId)).length,
  };
}

/**
 * GB-seconds a variant's in-code retries waited inside billed invocations, at the retry policy's
 * expected wait (single-lambda's backoff sleeps; 0 for the others, whose waits are not billed).
 */
function inCodeRetryWaitGbSeconds(
  variant: Variant,
  instruments: RunInstruments,
  timelines: ReadonlyArray<ReadonlyArray<{ attempt: number }>>,
): number {
  const key = specOf(variant).inCodeRetries?.functionKey;
  if (!key) return 0;
  const fn = [...instruments.functions()].find(([name]) => name.endsWith(`-${key}`))?.[1];
  return ((expectedInCodeRetryWaitMs(timelines) / 1000) * (fn?.memoryMb ?? 1024)) / 1024;
}

/**
 * The run's counters apart from their `wait.` copies (the units spent because orders waited for
 * review, see `duringWait`), which are returned on their own.
 */
function splitWaitCounts(all: Counts): { counts: Counts; waiting: Counts } {
  const counts: Counts = {};
  const waiting: Counts = {};
  for (const [name, n] of Object.entries(all) as [string, number][]) {
    if (name.startsWith('wait.')) waiting[name.slice('wait.'.length) as keyof Counts] = n;
    else counts[name as keyof Counts] = n;
  }
  return { counts, waiting };
}

/**
 * What waiting cost in this run: the units spent for it (park, decision, timeout, resume, the
 * review API's invocations and GB-seconds) plus what only waiting uses at all (schedules created,
 * Scheduler invocations), all from the run's own counts.
 */
function waitingCounts(counts: Counts, waiting: Counts): Counts {
  const out: Counts = { ...waiting };
  for (const name of ['schedulesCreated', 'schedulerInvocations'] as const)
    if (counts[name]) out[name] = (out[name] ?? 0) + counts[name];
  // Time in AWS calls and the count of DynamoDB calls are the model's, not a bill.
  delete out.awsCallMs;
  delete out.dynamoCalls;
  return out;
}

function summarizeJourney(journey: OrderJourney): JourneySummary {
  const hopsByType: Record<string, number> = {};
  for (const hop of journey.hops) hopsByType[hop.type] = (hopsByType[hop.type] ?? 0) + 1;
  const retriesByMechanism: Record<string, number> = {};
  for (const r of journey.retries) retriesByMechanism[r.mechanism] = (retriesByMechanism[r.mechanism] ?? 0) + 1;
  return {
    hops: hopsByType,
    invocations: journey.invocations.map((i) => i.functionName),
    coldStarts: journey.invocations.filter((i) => i.cold).length,
    dynamoCalls: journey.invocations.reduce((sum, i) => sum + i.dynamoCalls, 0),
    retries: retriesByMechanism,
  };
}
