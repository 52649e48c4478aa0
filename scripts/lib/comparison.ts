import { availableParallelism } from 'node:os';
import { checkInvariants } from '#domain/invariants';
import type { HopType } from '../local-cloud/types.ts';
import { startLocalCloud, type LocalCloud } from '../local-cloud/cloud.ts';
import type { DeployedStack } from '../local-cloud/deploy.ts';
import { createLatencyModel } from '../measure/latency-model.ts';
import { buildReport } from '../report/build-report.ts';
import type { Report, RunInput, VariantRun } from '../report/types.ts';
import { runBaseline } from './baseline.ts';
import { driveWorkload } from './driver.ts';
import { LocalStackProbe } from './local-probe.ts';
import { orchestrationLoc, packageService } from './package-service.ts';
import { RunInstruments } from './run-instruments.ts';
import { serviceDir, type Variant } from './variants.ts';
import { generateWorkload, type WorkloadOrder } from './workload.ts';

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
  variants: Variant[];
  latencyModel: 'aws' | 'none';
  sfnType: 'standard' | 'express';
  /**
   * Optional cap per variant. Without it a variant's run ends when every order is terminal or the
   * local cloud is quiescent (an order still not terminal then is stranded and reported).
   */
  deadlineMs?: number;
  /**
   * Happy-path orders driven through each variant before its measured run (then forgotten by the
   * counters), as the baseline warms its process up before its clock starts: a fresh execution
   * environment's first few hundred SDK calls run slower while the JIT warms up. 0 by default;
   * `npm run bench` warms up, so both sides of its ratio are warm.
   */
  warmUpOrders?: number;
  onProgress?: (variant: string, done: number, total: number) => void;
  onPhase?: (message: string) => void;
}

const HOP_TYPE: Record<Variant, (o: ComparisonOptions) => HopType> = {
  'sqs-chain': () => 'sqs',
  'eventbridge-flags': () => 'eventbridge',
  'step-functions': (o) => (o.sfnType === 'express' ? 'sfn-express' : 'sfn-standard'),
};

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
  const instruments = new RunInstruments();
  // Async retries wait as long as the other variants' backoff (1 s, 2 s), for a fair comparison.
  const cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0 },
    instruments,
    asyncRetryDelaysMs: [1000, 2000],
    optional: [
      ...(options.variants.includes('eventbridge-flags') ? ['eventbridge' as const] : []),
      ...(options.variants.includes('step-functions') ? ['stepfunctions' as const] : []),
    ],
  });
  try {
    phase('packaging templates and deploying into the local cloud');
    const [stacks, templates] = await Promise.all([
      Promise.all(
        options.variants.map((variant) =>
          cloud.deploy(serviceDir(variant), {
            httpPort: 0,
            environment: { LOG_LEVEL: 'CRITICAL', FAULT_SEED: String(options.seed) },
            ...(variant === 'step-functions' ? { params: { type: options.sfnType.toUpperCase() } } : {}),
          }),
        ),
      ),
      Promise.all(
        options.variants.map(async (variant) => ({
          resources: Object.keys(
            (
              await packageService(
                variant,
                variant === 'step-functions' ? [`--param=type=${options.sfnType.toUpperCase()}`] : [],
              )
            ).Resources,
          ).length,
          loc: await orchestrationLoc(variant),
        })),
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
          runId: `w${options.seed}`,
        })
      : [];
    for (const [index, variant] of options.variants.entries()) {
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
      phase(`driving ${workload.length} orders through ${variant}`);
      instruments.reset(createLatencyModel({ mode: options.latencyModel, seed: options.seed }));
      const run = await runVariant(cloud, stacks[index]!, variant, workload, instruments, options);
      runs.push({
        ...run,
        templateResources: templates[index]!.resources,
        orchestrationLoc: templates[index]!.loc,
        hopType: HOP_TYPE[variant](options),
      });
    }
    phase('running the baseline (the same steps in a process of its own, no messaging)');
    instruments.reset();
    const baseline = await runBaseline(cloud, workload, options.concurrency, options.seed);
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

async function runVariant(
  cloud: LocalCloud,
  stack: DeployedStack,
  variant: Variant,
  workload: WorkloadOrder[],
  instruments: RunInstruments,
  options: ComparisonOptions,
): Promise<Omit<VariantRun, 'templateResources' | 'orchestrationLoc'>> {
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
  const counts = instruments.counters();
  const where = await probe.whereAre(result.timedOut);
  const snapshot = await probe.snapshot(
    result.outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200).map((o) => o.orderId),
  );
  const modelled = options.latencyModel === 'aws';
  return {
    name: variant,
    orders: result.outcomes.map((o) => {
      const record = o.record;
      const acceptedAtMs = record ? Date.parse(record.createdAt) : o.acceptedAtMs;
      const terminalAtMs = record?.terminalAt ? Date.parse(record.terminalAt) : undefined;
      // Modelled for AWS: the local latency plus the published delays of the hops it took to end.
      const injected = instruments.injectedFor(o.orderId, terminalAtMs);
      return {
        orderId: o.orderId,
        acceptedAtMs,
        ...(terminalAtMs !== undefined
          ? { terminalAtMs, betweenStepsMs: instruments.betweenStepsMs(o.orderId, acceptedAtMs, terminalAtMs) }
          : {}),
        status: record?.status ?? 'ACCEPTED',
        ...(record?.reason ? { reason: record.reason } : {}),
        timeline: record?.timeline ?? [],
        ...(modelled ? { modelledAwsExtraMs: injected } : {}),
      };
    }),
    counts,
    stranded: result.timedOut.map((orderId) => {
      const status = result.outcomes.find((o) => o.orderId === orderId)?.record?.status ?? 'ACCEPTED';
      return { orderId, status, where: where.get(orderId) ?? 'unknown' };
    }),
    wallClockMs: result.finishedAtMs - result.startedAtMs,
    // Every thread of this process: the emulators, the handlers' environments, the driver (small).
    cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / Math.max(1, workload.length),
    cores: availableParallelism(),
    invariantViolations: checkInvariants(snapshot),
  };
}
