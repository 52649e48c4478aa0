import type { AwsTable } from './aws-tables.ts';
import { formatNumber } from './render-table.ts';
import type { CheckpointOverhead, OrderRun, Report, TimingQuantiles, VariantRun } from './types.ts';

/** What the AWS column says: no per-step or per-checkpoint latency is published for durable functions. */
export const NOT_MODELLED_DURABLE = 'not modelled (no published figure)';

/**
 * A durable function's checkpoint overhead in one run, from what its handler timed (each order's
 * `timings`): every figure is measured locally, none is modelled. `singleLambda` (the same
 * workload through single-lambda, when it ran) gives the same orders' time without checkpoints.
 * Undefined when no order checkpointed (a variant that is not durable, a load test).
 *
 * @example
 * summarizeCheckpointOverhead(durableRun, singleLambdaRun)?.perCheckpointMs.p50 // 1.84
 */
export function summarizeCheckpointOverhead(
  run: VariantRun,
  singleLambda?: VariantRun,
): CheckpointOverhead | undefined {
  const orders = run.orders.filter(
    (o) => o.terminalAtMs !== undefined && o.timings?.some((t) => t.name === 'durableCheckpointMs'),
  );
  if (orders.length === 0) return undefined;
  const of = (o: OrderRun, name: string) => (o.timings ?? []).filter((t) => t.name === name);
  const checkpoints = orders.flatMap((o) => of(o, 'durableCheckpointMs'));
  const perStep = new Map<string, number[]>();
  for (const c of checkpoints) {
    // A checkpoint that carried several steps (the SDK batches what queued up) counts for each.
    const steps = new Set((c.label ?? '').split(',').map((part) => part.split(':')[0] ?? ''));
    for (const step of steps) if (step) push(perStep, step, c.ms);
  }
  const counts = orders.map((o) => of(o, 'durableCheckpointMs').length);
  const replayed = orders.filter((o) => of(o, 'durableReplayMs').length > 0);
  const stateReads = orders.flatMap((o) => of(o, 'durableStateReadMs')).map((t) => t.ms);
  return {
    orders: orders.length,
    perCheckpointMs: quantilesOf(checkpoints.map((c) => c.ms)),
    checkpointsPerOrder: {
      p50: quantilesOf(counts).p50,
      max: Math.max(...counts),
      mean: round(counts.reduce((a, b) => a + b, 0) / counts.length),
    },
    perOrderMs: quantilesOf(orders.map((o) => sumMs(of(o, 'durableCheckpointMs')))),
    perStep: Object.fromEntries([...perStep].map(([step, ms]) => [step, quantilesOf(ms)])),
    ...(stateReads.length > 0 ? { stateReadsMs: quantilesOf(stateReads) } : {}),
    replay: {
      orders: replayed.length,
      invocations: replayed.reduce((n, o) => n + of(o, 'durableReplayMs').length, 0),
      ...(replayed.length > 0 ? { perOrderMs: quantilesOf(replayed.map((o) => sumMs(of(o, 'durableReplayMs')))) } : {}),
    },
    stepBodiesPerOrderMs: quantilesOf(orders.map((o) => sumMs(of(o, 'durableStepMs')))),
    ...sameOrders(orders, singleLambda),
    aws: NOT_MODELLED_DURABLE,
  };
}

/**
 * CONFIRMED orders that no step retried, in both runs: their time in the orchestrator's handler
 * against single-lambda's, the same steps in one invocation. Retried orders are left out: an
 * in-code retry waits inside single-lambda's handler, a durable retry outside any invocation.
 */
function sameOrders(orders: OrderRun[], singleLambda?: VariantRun): Pick<CheckpointOverhead, 'sameOrders'> {
  const plain = (o: OrderRun) =>
    o.status === 'CONFIRMED' && o.inHandlerMs !== undefined && !o.timeline.some((e) => e.attempt > 1);
  const durable = orders.filter(plain);
  if (durable.length === 0) return {};
  const other = new Map((singleLambda?.orders ?? []).filter(plain).map((o) => [o.orderId, o]));
  const both = singleLambda ? durable.filter((o) => other.has(o.orderId)) : durable;
  if (both.length === 0) return {};
  return {
    sameOrders: {
      orders: both.length,
      inHandlerMs: quantilesOf(both.map((o) => o.inHandlerMs ?? 0)),
      ...(singleLambda
        ? { singleLambdaInHandlerMs: quantilesOf(both.map((o) => other.get(o.orderId)?.inHandlerMs ?? 0)) }
        : {}),
    },
  };
}

/** The report's "Durable checkpoint overhead" table: measured locally, and AWS not modelled. */
export function durableCheckpointTables(report: Report): AwsTable[] {
  return Object.entries(report.variants).flatMap(([name, v]) =>
    v.checkpointOverhead ? [checkpointTable(name, v.checkpointOverhead)] : [],
  );
}

function checkpointTable(name: string, c: CheckpointOverhead): AwsTable {
  const pair = (q: TimingQuantiles) => `${ms(q.p50)} / ${ms(q.p99)}`;
  const perOrder = c.checkpointsPerOrder;
  const steps = Object.entries(c.perStep).map(([step, q]) => `${step} ${ms(q.p50)} (${formatNumber(q.count)})`);
  const replay = c.replay.perOrderMs
    ? `${pair(c.replay.perOrderMs)} (${formatNumber(c.replay.orders)} orders, ` +
      `${formatNumber(c.replay.invocations)} re-invocations)`
    : 'no order was invoked again';
  const rows: string[][] = [
    ['per checkpoint: one CheckpointDurableExecution round trip, p50 / p99 (ms)', pair(c.perCheckpointMs), c.aws],
    [
      'checkpoints per order, p50 / max (mean)',
      `${formatNumber(perOrder.p50)} / ${formatNumber(perOrder.max)} (${formatNumber(perOrder.mean, 1)})`,
      c.aws,
    ],
    ['per order: checkpoint round trips summed, p50 / p99 (ms)', pair(c.perOrderMs), c.aws],
    ['per order invoked again: replay of the checkpoint log until a step ran, p50 / p99 (ms)', replay, c.aws],
    ...(c.stateReadsMs ? [['GetDurableExecutionState round trip, p50 / p99 (ms)', pair(c.stateReadsMs), c.aws]] : []),
    ['per step: checkpoint round trip p50 (ms) (checkpoints)', steps.join('; '), c.aws],
    [
      'the same steps without checkpoints: step bodies summed per order, p50 / p99 (ms)',
      pair(c.stepBodiesPerOrderMs),
      '-',
    ],
  ];
  const same = c.sameOrders;
  if (same) {
    const single = same.singleLambdaInHandlerMs;
    rows.push([
      `CONFIRMED orders without a retry (${formatNumber(same.orders)}): in the orchestrator's handler` +
        `${single ? " vs single-lambda's (the same steps in one invocation)" : ''}, p50 / p99 (ms)`,
      `${pair(same.inHandlerMs)}${single ? ` vs ${pair(single)}` : ''}`,
      '-',
    ]);
  }
  return {
    id: 'durable-checkpoint-overhead',
    title: `Durable checkpoint overhead (${name}): measured locally; on AWS ${c.aws}`,
    columns: ['', `measured locally (${formatNumber(c.orders)} orders)`, 'on AWS'],
    rows,
    notes: [
      "Measured inside the function on this machine, under the run's load: the round trip to the local Lambda " +
        'API over loopback, not to AWS. No per-step or per-checkpoint latency is published for Lambda durable ' +
        'functions, so the AWS column is not modelled rather than invented.',
      "A step's START checkpoint is not awaited (the SDK's at-least-once default): its round trip overlaps the " +
        'step body; the SUCCEED or RETRY checkpoint is awaited before the next step.',
    ],
  };
}

/** One line for `npm run bench`: the per-checkpoint overhead, local, and AWS not modelled. */
export function describeCheckpointOverhead(name: string, c: CheckpointOverhead): string {
  return (
    `${name}: per checkpoint ${ms(c.perCheckpointMs.p50)} ms p50 / ${ms(c.perCheckpointMs.p99)} ms p99, ` +
    `${formatNumber(c.checkpointsPerOrder.p50)} checkpoints per order, ${ms(c.perOrderMs.p50)} ms per order p50 ` +
    `(measured locally); on AWS ${c.aws}`
  );
}

/**
 * Nearest-rank quantiles, to 0.01 ms: a checkpoint takes a few ms, below the HDR histogram's
 * 1 ms resolution, which would report every one as at least 1 ms.
 */
export function quantilesOf(values: readonly number[]): TimingQuantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: round(sorted.at(-1) ?? 0) };
}

function ms(value: number): string {
  return formatNumber(value, value < 10 ? 2 : 1);
}

function sumMs(samples: readonly { ms: number }[]): number {
  return samples.reduce((sum, s) => sum + s.ms, 0);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
