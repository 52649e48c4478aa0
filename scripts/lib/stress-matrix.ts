/**
 * `npm run stress`: a matrix of workloads run through the main job's machinery
 * ({@link measureVariants}), one local cloud per cell, each judged against the acceptance the
 * project is held to. The pure parts (cells, figures, judgement, table) are exported for tests.
 */
import { isTerminal, TERMINAL_STATUSES, type TerminalStatus } from '#domain/order';
import { summarizeLatencies } from '../measure/latency-summary.ts';
import type { RunInput, VariantRun } from '../report/types.ts';
import { parseComparisonArgs } from './cli-options.ts';
import type { ComparisonOptions } from './comparison.ts';
import type { Variant } from './variants.ts';

/** The shares of the seeded workload that end other than CONFIRMED on the first attempt. */
export interface Mix {
  declineRate: number;
  outOfStockRate: number;
  transientRate: number;
  rejectRate: number;
}

export type CellKind = 'load' | 'overload';

/** One workload of the matrix, run through every chosen variant. */
export interface StressCell extends Mix {
  name: string;
  /** `load`: as given (closed or open model); `overload`: open model at `overloadFactor` x capacity. */
  kind: CellKind;
  orders: number;
  /** Closed model: orders in flight (also the baseline's lanes and an overload cell's calibration). */
  concurrency: number;
  /** Open model: orders per second; 0 = closed model. An overload cell derives its own rate. */
  rate: number;
  seed: number;
  /** Overload: drive each variant at this multiple of its measured closed-model capacity. */
  overloadFactor?: number;
  /** Overload: orders of the closed-model run that measures the capacity. */
  calibrationOrders?: number;
}

/** The acceptance the project is held to: inside these bounds, nothing may go wrong. */
export const ACCEPTANCE = {
  maxOrders: 5000,
  maxConcurrency: 200,
  maxRatePerSec: 500,
  maxShare: 0.5,
  maxShareSum: 0.9,
  /** Open-model overload at 4x capacity: goodput at least this share of the capacity, and 0 FAILED. */
  overloadFactor: 4,
  minOverloadGoodputShare: 0.8,
} as const;

// 0.3 + 0.2 + 0.3 + 0.1 is 0.9000000000000001 in floating point: compare shares with a tolerance.
const EPSILON = 1e-9;

export const MIXES = {
  /** The main job's default mix. */
  usual: { declineRate: 0.05, outOfStockRate: 0.05, transientRate: 0.1, rejectRate: 0.02 },
  /** Every unhappy path at once, summing to the 0.9 limit. */
  hard: { declineRate: 0.3, outOfStockRate: 0.2, transientRate: 0.3, rejectRate: 0.1 },
  declineHeavy: { declineRate: 0.5, outOfStockRate: 0.1, transientRate: 0.3, rejectRate: 0 },
  outOfStockHeavy: { declineRate: 0, outOfStockRate: 0.5, transientRate: 0.2, rejectRate: 0.2 },
  transientHeavy: { declineRate: 0.2, outOfStockRate: 0.1, transientRate: 0.5, rejectRate: 0.1 },
  rejectHeavy: { declineRate: 0.1, outOfStockRate: 0.1, transientRate: 0.2, rejectRate: 0.5 },
} as const satisfies Record<string, Mix>;

/** A block of the matrix: every combination of its dimensions is one cell. */
export interface MatrixGroup {
  kind?: CellKind;
  orders: readonly number[];
  concurrency: readonly number[];
  /** Open-model rates; omitted or [0] = closed model. */
  rates?: readonly number[];
  mixes: readonly Mix[];
  seeds: readonly number[];
  overloadFactor?: number;
  calibrationOrders?: number;
}

/** Every combination of each group's dimensions, in order, duplicates (same name) dropped. */
export function expandMatrix(groups: readonly MatrixGroup[]): StressCell[] {
  const cells = new Map<string, StressCell>();
  for (const group of groups) {
    const kind = group.kind ?? 'load';
    for (const orders of group.orders)
      for (const concurrency of group.concurrency)
        for (const rate of kind === 'overload' ? [0] : (group.rates ?? [0])) {
          for (const mix of group.mixes)
            for (const seed of group.seeds) {
              const cell = makeCell({
                kind,
                orders,
                concurrency,
                rate,
                seed,
                ...mix,
                ...(kind === 'overload'
                  ? {
                      overloadFactor: group.overloadFactor ?? ACCEPTANCE.overloadFactor,
                      calibrationOrders: Math.min(orders, group.calibrationOrders ?? DEFAULT_CALIBRATION_ORDERS),
                    }
                  : {}),
              });
              if (!cells.has(cell.name)) cells.set(cell.name, cell);
            }
        }
  }
  return [...cells.values()];
}

const DEFAULT_CALIBRATION_ORDERS = 300;

/** A cell with its name: what it runs, short enough for a table column. */
export function makeCell(cell: Omit<StressCell, 'name'>): StressCell {
  const pct = (share: number) => String(Math.round(share * 100));
  const mix = `mix ${[cell.declineRate, cell.outOfStockRate, cell.transientRate, cell.rejectRate].map(pct).join('/')}`;
  const load =
    cell.kind === 'overload'
      ? `c${cell.concurrency} ${cell.overloadFactor ?? ACCEPTANCE.overloadFactor}x-cap`
      : cell.rate > 0
        ? `${cell.rate}/s`
        : `c${cell.concurrency}`;
  return { ...cell, name: `o${cell.orders} ${load} ${mix} s${cell.seed}` };
}

export const PRESETS = ['ci', 'quick', 'full'] as const;
export type Preset = (typeof PRESETS)[number];

/**
 * The preset matrices. `ci` is one small cell, hard on purpose: a third of the orders retried,
 * a fifth refunded after running out of stock, 60 in flight on 60 orders, so all of them are in
 * the pipeline at once. `quick` touches every dimension once at a few hundred orders;
 * `full` is the whole matrix (hours on a small machine).
 */
export function presetCells(preset: Preset): StressCell[] {
  switch (preset) {
    case 'ci':
      return expandMatrix([{ orders: [60], concurrency: [60], mixes: [MIXES.hard], seeds: [7] }]);
    case 'quick':
      return expandMatrix([
        { orders: [300], concurrency: [200], mixes: [MIXES.hard], seeds: [1] },
        { orders: [300], concurrency: [50], rates: [500], mixes: [MIXES.hard], seeds: [2] },
        { orders: [300], concurrency: [100], mixes: [MIXES.declineHeavy, MIXES.outOfStockHeavy], seeds: [3] },
        {
          kind: 'overload',
          orders: [400],
          concurrency: [50],
          mixes: [MIXES.usual],
          seeds: [4],
          calibrationOrders: 150,
        },
      ]);
    case 'full':
      return expandMatrix([
        { orders: [5000], concurrency: [200], mixes: [MIXES.hard], seeds: [1, 2, 3] },
        { orders: [1000], concurrency: [10, 50, 200], mixes: [MIXES.hard], seeds: [1, 2, 3] },
        { orders: [2000], concurrency: [50], rates: [100, 250, 500], mixes: [MIXES.hard], seeds: [1, 2, 3] },
        {
          orders: [1000],
          concurrency: [100],
          mixes: [MIXES.declineHeavy, MIXES.outOfStockHeavy, MIXES.transientHeavy, MIXES.rejectHeavy],
          seeds: [1, 2, 3],
        },
        { kind: 'overload', orders: [2000], concurrency: [100], mixes: [MIXES.usual, MIXES.hard], seeds: [1, 2, 3] },
      ]);
  }
}

/**
 * Why a workload lies outside the acceptance (empty when inside). `ratePerSec` is the rate
 * actually driven, which for an overload cell is only known once its capacity is.
 */
export function outsideAcceptance(
  cell: Pick<StressCell, 'orders' | 'concurrency' | keyof Mix>,
  ratePerSec: number,
): string[] {
  const reasons: string[] = [];
  if (cell.orders > ACCEPTANCE.maxOrders) reasons.push(`orders ${cell.orders} > ${ACCEPTANCE.maxOrders}`);
  if (cell.concurrency > ACCEPTANCE.maxConcurrency)
    reasons.push(`concurrency ${cell.concurrency} > ${ACCEPTANCE.maxConcurrency}`);
  if (ratePerSec > ACCEPTANCE.maxRatePerSec) reasons.push(`rate ${ratePerSec}/s > ${ACCEPTANCE.maxRatePerSec}/s`);
  const shares = {
    decline: cell.declineRate,
    'out-of-stock': cell.outOfStockRate,
    transient: cell.transientRate,
    reject: cell.rejectRate,
  };
  for (const [name, share] of Object.entries(shares)) {
    if (share > ACCEPTANCE.maxShare + EPSILON) reasons.push(`${name} share ${share} > ${ACCEPTANCE.maxShare}`);
  }
  const sum = Object.values(shares).reduce((a, b) => a + b, 0);
  if (sum > ACCEPTANCE.maxShareSum + EPSILON)
    reasons.push(`shares sum to ${round(sum, 3)} > ${ACCEPTANCE.maxShareSum}`);
  return reasons;
}

/** A non-terminal order and where it stands (the run's own account when it gives one). */
export interface StrandedOrder {
  orderId: string;
  status: string;
  where: string;
}

/** An order whose terminal state differs from the baseline's (MISSING: not in that run). */
export interface Mismatch {
  orderId: string;
  status: string;
  baseline: string;
}

/** What one run says about the acceptance, computed from its orders alone (and the baseline's). */
export interface RunFigures {
  orders: number;
  terminal: Record<TerminalStatus, number>;
  violations: number;
  stranded: StrandedOrder[];
  /** Against the baseline; null for the baseline itself. */
  mismatches: Mismatch[] | null;
  /** Non-FAILED terminal orders per second of the run's wall clock. */
  goodputPerSec: number;
  /** Terminal orders (any status) per second of the run's wall clock. */
  throughputPerSec: number;
  /** Local accept -> terminal latency of the terminal orders, ms. */
  p50: number;
  p99: number;
  wallClockMs: number;
}

type RunWithStranded = VariantRun & { stranded?: StrandedOrder[] };

/** Accepted orders that never reached CONFIRMED / CANCELLED / REJECTED / FAILED. */
export function findStranded(run: VariantRun): StrandedOrder[] {
  const reported = (run as RunWithStranded).stranded;
  if (reported) return reported;
  return run.orders
    .filter((order) => !isTerminal(order.status))
    .map((order) => {
      const last = order.timeline.at(-1);
      const where = last
        ? `after ${last.step} (${last.outcome}, attempt ${last.attempt})`
        : 'no record: never accepted, or its record was not found';
      return { orderId: order.orderId, status: order.status, where };
    });
}

/** Orders whose status differs from the baseline's for the same orderId, either way round. */
export function findMismatches(run: VariantRun, baseline: VariantRun): Mismatch[] {
  const expected = new Map(baseline.orders.map((order) => [order.orderId, order.status as string]));
  const mismatches: Mismatch[] = [];
  const seen = new Set<string>();
  for (const order of run.orders) {
    seen.add(order.orderId);
    const want = expected.get(order.orderId) ?? 'MISSING';
    if (order.status !== want) mismatches.push({ orderId: order.orderId, status: order.status, baseline: want });
  }
  for (const [orderId, status] of expected)
    if (!seen.has(orderId)) mismatches.push({ orderId, status: 'MISSING', baseline: status });
  return mismatches;
}

export function measureRun(run: VariantRun, baseline?: VariantRun): RunFigures {
  const terminal = Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, 0])) as Record<TerminalStatus, number>;
  for (const order of run.orders) if (isTerminal(order.status)) terminal[order.status]++;
  const finished = run.orders.filter((order) => isTerminal(order.status) && order.terminalAtMs !== undefined);
  const latency = summarizeLatencies(finished.map((order) => order.terminalAtMs! - order.acceptedAtMs)).quantiles;
  const seconds = run.wallClockMs / 1000;
  const ended = TERMINAL_STATUSES.reduce((n, s) => n + terminal[s], 0);
  return {
    orders: run.orders.length,
    terminal,
    violations: run.invariantViolations.length,
    stranded: findStranded(run),
    mismatches: baseline ? findMismatches(run, baseline) : null,
    goodputPerSec: seconds > 0 ? (ended - terminal.FAILED) / seconds : 0,
    throughputPerSec: seconds > 0 ? ended / seconds : 0,
    p50: latency.p50,
    p99: latency.p99,
    wallClockMs: run.wallClockMs,
  };
}

export type Verdict = 'PASS' | 'FAIL' | 'n/a';

/** One variant (or the baseline) in one cell: the figures, the judgement and why. */
export interface StressRow {
  cell: string;
  kind: CellKind;
  variant: string;
  orders: number;
  /** Rate driven, orders/s; 0 = closed model. */
  rate: number;
  terminal: Record<TerminalStatus, number>;
  violations: number;
  stranded: number;
  /** null for the baseline (it is the reference). */
  mismatchesVsBaseline: number | null;
  goodputPerSec: number;
  /** Local latency, ms. */
  p50: number;
  p99: number;
  wallClockMs: number;
  /** Overload: the closed-model capacity measured first, and goodput as a share of it. */
  capacityPerSec?: number;
  goodputShareOfCapacity?: number;
  verdict: Verdict;
  /** What failed (or, for n/a, why the cell is not judged and what would have failed). */
  reasons: string[];
  /** The first few stranded and mismatched orders, to start looking. */
  strandedSample: StrandedOrder[];
  mismatchSample: Mismatch[];
}

const SAMPLE = 5;

export interface JudgeInput {
  cell: StressCell;
  variant: string;
  figures: RunFigures;
  /** Rate driven, orders/s (0 = closed model). */
  rate: number;
  /** Overload rows: the variant's closed-model capacity; 0 or absent = it could not be measured. */
  capacityPerSec?: number;
}

/**
 * The acceptance, applied to one row. Inside the bounds: 0 violations, 0 stranded, every order
 * placed and ending as in the baseline. Overload (a variant's rows, not the baseline's): also
 * 0 FAILED and goodput >= 80% of capacity, judged even when 4x capacity exceeds 500/s. A load
 * cell outside the bounds is reported, not judged (n/a), with what would have failed.
 */
export function judgeRow(input: JudgeInput): StressRow {
  const { cell, figures } = input;
  const overload = cell.kind === 'overload' && input.variant !== 'baseline';
  const failures: string[] = [];
  if (figures.violations > 0) failures.push(`${figures.violations} invariant violation(s)`);
  if (figures.stranded.length > 0) failures.push(`${figures.stranded.length} stranded (not terminal)`);
  if (figures.orders < cell.orders) failures.push(`only ${figures.orders} of ${cell.orders} orders placed`);
  if (figures.mismatches && figures.mismatches.length > 0)
    failures.push(`${figures.mismatches.length} end differently from the baseline`);
  const overloadFailures: string[] = [];
  let goodputShare: number | undefined;
  if (overload) {
    if (figures.terminal.FAILED > 0) overloadFailures.push(`${figures.terminal.FAILED} FAILED under overload`);
    if (!input.capacityPerSec) overloadFailures.push('capacity could not be measured');
    else {
      goodputShare = figures.goodputPerSec / input.capacityPerSec;
      if (goodputShare < ACCEPTANCE.minOverloadGoodputShare - EPSILON) {
        overloadFailures.push(`goodput ${pct(goodputShare)} of capacity < ${pct(ACCEPTANCE.minOverloadGoodputShare)}`);
      }
    }
  }
  const outside = outsideAcceptance(cell, input.rate);
  let verdict: Verdict;
  let reasons: string[];
  if (outside.length === 0) {
    reasons = [...failures, ...overloadFailures];
    verdict = reasons.length > 0 ? 'FAIL' : 'PASS';
  } else if (overload) {
    reasons = [...overloadFailures, ...failures.map((f) => `(outside acceptance: ${outside.join(', ')}) ${f}`)];
    verdict = overloadFailures.length > 0 ? 'FAIL' : 'PASS';
  } else {
    reasons = [`outside acceptance: ${outside.join(', ')}`, ...failures];
    verdict = 'n/a';
  }
  return {
    cell: cell.name,
    kind: cell.kind,
    variant: input.variant,
    orders: figures.orders,
    rate: input.rate,
    terminal: figures.terminal,
    violations: figures.violations,
    stranded: figures.stranded.length,
    mismatchesVsBaseline: figures.mismatches ? figures.mismatches.length : null,
    goodputPerSec: figures.goodputPerSec,
    p50: figures.p50,
    p99: figures.p99,
    wallClockMs: figures.wallClockMs,
    ...(overload
      ? {
          capacityPerSec: input.capacityPerSec ?? 0,
          ...(goodputShare !== undefined ? { goodputShareOfCapacity: goodputShare } : {}),
        }
      : {}),
    verdict,
    reasons,
    strandedSample: figures.stranded.slice(0, SAMPLE),
    mismatchSample: (figures.mismatches ?? []).slice(0, SAMPLE),
  };
}

/** A cell that could not run at all (the cloud did not boot, a deploy failed): one FAIL row. */
export function errorRow(cell: StressCell, error: unknown): StressRow {
  const none = Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, 0])) as Record<TerminalStatus, number>;
  return {
    cell: cell.name,
    kind: cell.kind,
    variant: '-',
    orders: 0,
    rate: cell.rate,
    terminal: none,
    violations: 0,
    stranded: 0,
    mismatchesVsBaseline: null,
    goodputPerSec: 0,
    p50: 0,
    p99: 0,
    wallClockMs: 0,
    verdict: 'FAIL',
    reasons: [`did not run: ${(error as Error)?.message ?? String(error)}`],
    strandedSample: [],
    mismatchSample: [],
  };
}

/** How the cells run: the same for every cell of a matrix. */
export interface StressRunOptions {
  variants: Variant[];
  /** Default 'none': stress measures the emulator itself, not the modelled AWS delays. */
  latencyModel?: 'aws' | 'none';
  sfnType?: 'standard' | 'express';
  /** Per run: stop waiting for terminal states after this long; default grows with the orders. */
  deadlineMs?: number;
  /** The main job's runner; a test may pass a fake. */
  measure?: (options: ComparisonOptions) => Promise<RunInput>;
  onPhase?: (message: string) => void;
  onProgress?: (variant: string, done: number, total: number) => void;
}

/** The main job's options for one run of a cell. */
export function comparisonOptionsFor(
  cell: StressCell,
  options: StressRunOptions,
  overrides: Partial<ComparisonOptions> = {},
): ComparisonOptions {
  const orders = overrides.orders ?? cell.orders;
  return {
    orders,
    concurrency: cell.concurrency,
    rate: cell.kind === 'overload' ? 0 : cell.rate,
    seed: cell.seed,
    declineRate: cell.declineRate,
    outOfStockRate: cell.outOfStockRate,
    transientRate: cell.transientRate,
    rejectRate: cell.rejectRate,
    variants: options.variants,
    latencyModel: options.latencyModel ?? 'none',
    sfnType: options.sfnType ?? 'standard',
    // No clock: a run ends when every order is terminal or the local cloud is quiescent.
    ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
    ...(options.onPhase ? { onPhase: options.onPhase } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...overrides,
  };
}

/**
 * Runs one cell and judges it: a row per variant and one for the baseline. A load cell is one
 * run of the main job. An overload cell first measures each variant's closed-model capacity
 * (terminal orders/s at the cell's concurrency, `calibrationOrders` orders), then drives each
 * variant alone, open model, at `overloadFactor` x that rate.
 */
export async function runStressCell(cell: StressCell, options: StressRunOptions): Promise<StressRow[]> {
  // Loaded on first use: the local cloud's modules are heavy, and the pure parts do not need them.
  const measure = options.measure ?? (await import('./comparison.ts')).measureVariants;
  const phase = options.onPhase ?? (() => {});
  if (cell.kind === 'load') {
    const input = await measure(comparisonOptionsFor(cell, options));
    return [
      ...input.variants.map((run) =>
        judgeRow({ cell, variant: run.name, figures: measureRun(run, input.baseline), rate: cell.rate }),
      ),
      judgeRow({ cell, variant: 'baseline', figures: measureRun(input.baseline!), rate: 0 }),
    ];
  }
  const factor = cell.overloadFactor ?? ACCEPTANCE.overloadFactor;
  const calibrationOrders = cell.calibrationOrders ?? Math.min(cell.orders, DEFAULT_CALIBRATION_ORDERS);
  phase(`measuring capacity: ${calibrationOrders} orders, closed model at concurrency ${cell.concurrency}`);
  const calibration = await measure(comparisonOptionsFor(cell, options, { orders: calibrationOrders, rate: 0 }));
  const rows: StressRow[] = [];
  let baselineRow: StressRow | undefined;
  for (const variant of options.variants) {
    const calibrated = calibration.variants.find((run) => run.name === variant);
    const capacityPerSec = calibrated ? measureRun(calibrated).throughputPerSec : 0;
    const rate = overloadRate(capacityPerSec, factor);
    if (rate === 0) {
      rows.push(judgeRow({ cell, variant, figures: measureRun(emptyRun(variant)), rate: 0, capacityPerSec }));
      continue;
    }
    phase(`${variant}: capacity ${round(capacityPerSec, 1)} orders/s, driving ${rate}/s (${factor}x)`);
    const input = await measure(comparisonOptionsFor(cell, options, { variants: [variant], rate }));
    const run = input.variants.find((r) => r.name === variant);
    rows.push(
      judgeRow({ cell, variant, figures: measureRun(run ?? emptyRun(variant), input.baseline), rate, capacityPerSec }),
    );
    baselineRow ??= judgeRow({ cell, variant: 'baseline', figures: measureRun(input.baseline!), rate: 0 });
  }
  return baselineRow ? [...rows, baselineRow] : rows;
}

/** The open-model rate for overload: a whole number of orders/s, at least 1 when there is any capacity. */
export function overloadRate(capacityPerSec: number, factor: number): number {
  if (!(capacityPerSec > 0)) return 0;
  return Math.max(1, Math.round(capacityPerSec * factor));
}

function emptyRun(name: string): VariantRun {
  return {
    name,
    orders: [],
    counts: {},
    wallClockMs: 0,
    templateResources: 0,
    orchestrationLoc: 0,
    invariantViolations: [],
  };
}

/** Runs every cell in turn; a cell that throws becomes a FAIL row and the matrix goes on. */
export async function runStressMatrix(
  cells: readonly StressCell[],
  options: StressRunOptions & {
    onCell?: (cell: StressCell, index: number) => void;
    onRows?: (rows: StressRow[]) => void;
  },
): Promise<StressRow[]> {
  const all: StressRow[] = [];
  for (const [index, cell] of cells.entries()) {
    options.onCell?.(cell, index);
    let rows: StressRow[];
    try {
      rows = await runStressCell(cell, options);
    } catch (error) {
      rows = [errorRow(cell, error)];
    }
    all.push(...rows);
    options.onRows?.(rows);
  }
  return all;
}

/** What `npm run stress -- ...` asks for. */
export interface StressArgs {
  preset?: Preset;
  cells: StressCell[];
  run: Required<Pick<StressRunOptions, 'variants' | 'latencyModel' | 'sfnType'>> & Pick<StressRunOptions, 'deadlineMs'>;
}

const WORKLOAD_FLAGS = [
  'orders',
  'concurrency',
  'rate',
  'seed',
  'decline-rate',
  'out-of-stock-rate',
  'transient-rate',
  'reject-rate',
];

/**
 * `--preset ci|quick|full` (default quick), or one explicit cell from the main job's options
 * (`--orders --concurrency --rate --seed --decline-rate ...`), repeated over `--seeds a,b,c`
 * and made an overload cell by `--overload [--factor F] [--calibration-orders N]`.
 * `--variants`, `--latency-model` (default none), `--sfn-type` and `--deadline` apply to any cell.
 */
export function parseStressArgs(argv: readonly string[]): StressArgs {
  const own: Record<string, string | true> = {};
  const rest: string[] = [];
  const withValue = new Set(['preset', 'seeds', 'factor', 'calibration-orders']);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(token);
    const name = match?.[1];
    if (name && (withValue.has(name) || name === 'overload')) {
      if (name === 'overload') {
        if (match[2] !== undefined) throw new Error('--overload takes no value');
        own[name] = true;
        continue;
      }
      const value = match[2] ?? argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
      own[name] = value;
      continue;
    }
    rest.push(token);
  }
  const given = (flag: string) => rest.some((t) => t === `--${flag}` || t.startsWith(`--${flag}=`));
  const explicit = WORKLOAD_FLAGS.some(given) || own.seeds !== undefined || own.overload !== undefined;
  const options = parseComparisonArgs(rest, { latencyModel: 'none' });
  const run = {
    variants: options.variants,
    latencyModel: options.latencyModel,
    sfnType: options.sfnType,
    ...(given('deadline') ? { deadlineMs: options.deadlineMs } : {}),
  };
  if (own.preset !== undefined) {
    if (explicit)
      throw new Error(
        'give either --preset or the options of one cell (--orders, --rate, --seeds, --overload, ...), not both',
      );
    const preset = own.preset as string;
    if (!(PRESETS as readonly string[]).includes(preset))
      throw new Error(`--preset must be one of ${PRESETS.join(', ')}, got "${preset}"`);
    return { preset: preset as Preset, cells: presetCells(preset as Preset), run };
  }
  if (!explicit) return { preset: 'quick', cells: presetCells('quick'), run };
  if (own.overload === undefined && (own.factor !== undefined || own['calibration-orders'] !== undefined)) {
    throw new Error('--factor and --calibration-orders only apply with --overload');
  }
  if (own.overload !== undefined && options.rate > 0)
    throw new Error('--overload derives its rate from the measured capacity: leave out --rate');
  const seeds =
    own.seeds === undefined
      ? [options.seed]
      : String(own.seeds)
          .split(',')
          .map((s) => wholeNumber('seeds', s.trim(), 0));
  const overload = own.overload !== undefined;
  const factor = own.factor === undefined ? ACCEPTANCE.overloadFactor : positiveNumber('factor', String(own.factor));
  const calibrationOrders =
    own['calibration-orders'] === undefined
      ? undefined
      : wholeNumber('calibration-orders', String(own['calibration-orders']), 1);
  const cells = expandMatrix([
    {
      kind: overload ? 'overload' : 'load',
      orders: [options.orders],
      concurrency: [options.concurrency],
      rates: [options.rate],
      mixes: [
        {
          declineRate: options.declineRate,
          outOfStockRate: options.outOfStockRate,
          transientRate: options.transientRate,
          rejectRate: options.rejectRate,
        },
      ],
      seeds,
      ...(overload ? { overloadFactor: factor, ...(calibrationOrders ? { calibrationOrders } : {}) } : {}),
    },
  ]);
  return { cells, run };
}

function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value);
  if (value === '' || !Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be whole numbers >= ${min}, got "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a number > 0, got "${value}"`);
  return n;
}

const COLUMNS: { title: string; width: number; align: 'left' | 'right'; value: (row: StressRow) => string }[] = [
  { title: 'cell', width: 36, align: 'left', value: (r) => r.cell },
  { title: 'variant', width: 17, align: 'left', value: (r) => r.variant },
  { title: 'orders', width: 6, align: 'right', value: (r) => String(r.orders) },
  { title: 'rate/s', width: 6, align: 'right', value: (r) => (r.rate > 0 ? String(r.rate) : '-') },
  {
    title: 'CONF/CANC/REJ/FAIL',
    width: 19,
    align: 'right',
    value: (r) => TERMINAL_STATUSES.map((s) => r.terminal[s]).join('/'),
  },
  { title: 'viol', width: 4, align: 'right', value: (r) => String(r.violations) },
  { title: 'strand', width: 6, align: 'right', value: (r) => String(r.stranded) },
  {
    title: 'vs base',
    width: 7,
    align: 'right',
    value: (r) => (r.mismatchesVsBaseline === null ? '-' : String(r.mismatchesVsBaseline)),
  },
  { title: 'goodput/s', width: 9, align: 'right', value: (r) => round(r.goodputPerSec, 1).toFixed(1) },
  {
    title: 'of cap',
    width: 6,
    align: 'right',
    value: (r) => (r.goodputShareOfCapacity === undefined ? '-' : pct(r.goodputShareOfCapacity)),
  },
  { title: 'p50 ms', width: 7, align: 'right', value: (r) => String(Math.round(r.p50)) },
  { title: 'p99 ms', width: 7, align: 'right', value: (r) => String(Math.round(r.p99)) },
  { title: 'verdict', width: 7, align: 'left', value: (r) => r.verdict },
];

function formatLine(cells: string[]): string {
  return COLUMNS.map((column, i) => {
    const text = cells[i] ?? '';
    return column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width);
  })
    .join('  ')
    .trimEnd();
}

/** The table's header: cell names read orders, load (c = in flight, /s = open model), mix %, seed. */
export function formatStressHeader(): string {
  return formatLine(COLUMNS.map((c) => c.title));
}

/** One aligned line per row, so rows can be printed as each cell finishes. */
export function formatStressRow(row: StressRow): string {
  return formatLine(COLUMNS.map((c) => c.value(row)));
}

export function formatStressTable(rows: readonly StressRow[]): string {
  return [formatStressHeader(), ...rows.map(formatStressRow)].join('\n');
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
