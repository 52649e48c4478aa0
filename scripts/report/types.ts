/**
 * The report contract: what a run hands to {@link buildReport} (`RunInput`) and what lands in
 * `reports/<timestamp>/report.json` (`Report`). The keys of `Report` are an interface other
 * tools read: add keys, never rename them.
 */
import type { InvariantViolation } from '#domain/invariants';
import type { OrderStatus, TerminalStatus, TimelineEntry } from '#domain/order';
import type { CounterName, HopType, TimingSample } from '../local-cloud/types.ts';
import type { CostLine, PriceTable, UnpricedLine } from '../measure/cost-model.ts';
import type { ModelledOrder } from '../measure/aws-model.ts';
import type { AwsViewModel } from '../measure/aws-view.ts';
import type { HopLatencyTable } from '../measure/latency-model.ts';
import type { CdfPoint, LatencyQuantiles } from '../measure/latency-summary.ts';

export type { CdfPoint, CostLine, LatencyQuantiles, UnpricedLine };

export type Counts = Partial<Record<CounterName, number>>;

/** The options the workload ran with, as given (orders, concurrency, seed, mix, target, ...). */
export type WorkloadOptions = Readonly<Record<string, string | number | boolean | null>>;

/** What a timeline entry must carry for the report: a subset of the orders table's entries. */
export type OrderTimelineEntry = Pick<TimelineEntry, 'step' | 'outcome' | 'attempt' | 'at'>;

/** One order as the run saw it. */
export interface OrderRun {
  orderId: string;
  /** Epoch ms when the API accepted the order (answered 202): where its latency starts. */
  acceptedAtMs: number;
  /** Epoch ms when the order reached its terminal status; absent if it never did. */
  terminalAtMs?: number;
  /** The order's last status; a non-terminal one counts in `nonTerminal`, not in latency. */
  status: OrderStatus;
  /** Why it ended CANCELLED / REJECTED / FAILED (an error name or rule). */
  reason?: string;
  /** The order record's timeline (`GET /orders/{id}`), in write order. */
  timeline: OrderTimelineEntry[];
  /**
   * Delay the AWS latency model assigns to this order's hops, NOT included in
   * `terminalAtMs - acceptedAtMs`: the modelled AWS latency is local latency + this. Give it for
   * every order or for none; 0 for a path without messaging (the baseline).
   */
  modelledAwsExtraMs?: number;
  /** The order's journey priced by the AWS model (scripts/measure/aws-model.ts); wins over the extra ms. */
  modelledAws?: ModelledOrder;
  /** What the journey held: hops by type, invocations, cold starts, DynamoDB calls, retries by mechanism. */
  journey?: JourneySummary;
  /**
   * Of its local latency, the time when none of its handlers was running: the local cloud's own
   * carrying between steps (absent for the baseline, where there is none by construction).
   */
  betweenStepsMs?: number;
  /** Time its handlers ran, accept to terminal, summed over their invocations (the API's own excluded), ms. */
  inHandlerMs?: number;
  /**
   * What its handlers timed themselves, measured locally: a durable function's checkpoint round
   * trips, step bodies and replays (absent where a handler times nothing).
   */
  timings?: TimingSample[];
}

/**
 * One variant's run (or the baseline's: the same steps called one after another in a process of its own, no messaging).
 */
export interface VariantRun {
  /** Column name: 'sqs-chain', 'eventbridge-flags', 'step-functions', 'baseline'. */
  name: string;
  orders: OrderRun[];
  /** Counters of the local cloud over the whole run (not per order). */
  counts: Counts;
  /**
   * Counters that could not be observed (a load test against a deployed stack sees no SQS or
   * transition counts): shown as "n/a", and the cost estimate is marked partial.
   */
  countsUnavailable?: CounterName[];
  /** From the first order placed to the last terminal order, in ms: the throughput's window. */
  wallClockMs: number;
  /** Resources in the variant's packaged CloudFormation template. */
  templateResources: number;
  /** Lines of code that only exist to move an order between steps (wiring, not domain). */
  orchestrationLoc: number;
  /** From `checkInvariants` after the run; empty when the run is sound. */
  invariantViolations: InvariantViolation[];
  /** The service that carries this variant's hops, for the modelled-latency verdict. */
  hopType?: HopType;
  /**
   * Hand-offs between functions per order, when they are not one per step (single-lambda: one
   * async invoke carries the whole order); absent: counted from the example order's timeline.
   */
  hopsPerOrder?: number;
  /** Accepted orders the run ended without a terminal state, and where each stands. */
  stranded?: StrandedOrder[];
  /** CPU the local cloud spent per order in this run (all its threads), ms: its capacity's basis. */
  cpuMsPerOrder?: number;
  /** Cores of the machine the run was measured on. */
  cores?: number;
  placesToLook?: PlacesToLook;
  /** Orders found in a DLQ or a failed execution after the run (absent: not looked up). */
  parkedOrders?: number;
  /** Lambda GB-seconds of the run's own durations (each invocation rounded up to the ms), pipeline only. */
  lambdaGbSecondsMeasured?: number;
  /** How `counts.lambdaGbSeconds` was priced (light-load durations, or the run's own). */
  lambdaDuration?: LambdaDurationPricing;
  /** Consumers that only ran after orders ended (fan-out), with their units, reported apart. */
  fanOut?: { functions: string[]; counts: Counts };
  /** Light-load calibration of each function (ms): own compute and full duration, medians. */
  calibration?: { orders: number; computeMs: Record<string, number>; durationMs: Record<string, number> };
  /** A load test against a target's API (a deployed stack, `sls offline`, `npm run cloud`). */
  target?: TargetDetails;
  /** Manual review (issue 13): whether the variant waits, and what its waiting cost in this run. */
  review?: ReviewRun;
  /**
   * The baseline run on the same orders right after this variant (`npm run bench`): a lower bound
   * measured at the same moment of the machine, for a ratio that does not move with the machine's drift.
   */
  baselineBeside?: VariantRun;
}

/** A run's manual review: how the variant waits, and the units its waiting orders used. */
export interface ReviewRun {
  /** False: the variant has no review mechanism yet, and its run left the review orders out. */
  supported: boolean;
  /** Review orders of the workload this run left out (all of them when not supported). */
  skippedOrders: number;
  /** The review timeout the stack ran with (seconds; a day as deployed on AWS). */
  timeoutSeconds?: number;
  /** The AWS mechanism that holds a waiting order (from the variant's entry). */
  mechanism?: string;
  /** How an operator finds the orders waiting for review. */
  findWaiting?: string;
  /**
   * What the style cannot wait for (Express: 5 minutes). When `supported` is false, why this
   * configuration cannot wait at all (its run left the review orders out for that reason).
   */
  limit?: string;
  /**
   * Units spent because orders waited, whole run: schedules created and Scheduler invocations,
   * the DynamoDB units, requests, events, transitions and durable operations of parking,
   * deciding, timing out and resuming, the review API's invocations and GB-seconds.
   */
  waitingCounts: Counts;
  /**
   * The waiting orders' own functions running *during* their waits (beyond parking and deciding),
   * whole run, from the invocation records: zero where the mechanism holds the order without compute.
   */
  whileWaiting?: { invocations: number; lambdaGbSeconds: number };
}

/** The review section of a variant's report. */
export interface ReviewReport extends Omit<ReviewRun, 'waitingCounts'> {
  /** Orders that parked AWAITING_REVIEW in this run. */
  waitingOrders: number;
  /** How their waits ended. */
  decisions: { approve: number; reject: number; timeout: number };
  /** Time each order spent AWAITING_REVIEW (parked -> decided): what waiting adds to its latency. */
  waitedMs?: LatencyQuantiles;
  /** Approved orders: from the decision to the next step done (how fast the variant resumes one). */
  resumeMs?: LatencyQuantiles;
  /** Units per waiting order (waitingCounts / waitingOrders). */
  perWaitingOrder: Counts;
  /** Those units priced (USD per waiting order; Lambda GB-seconds, Scheduler, DynamoDB, SQS ...). */
  usdPerWaitingOrder: number;
  /** `whileWaiting` per waiting order. */
  whileWaitingPerOrder?: { invocations: number; lambdaGbSeconds: number };
}

/** How a run's Lambda duration was priced (scripts/measure/lambda-duration.ts). */
export interface LambdaDurationPricing {
  /**
   * `light-load`: each function's invocations at its p50 Duration over a light-load calibration of
   * the same target; `measured`: the run's own durations (no calibration ran).
   */
  basis: 'light-load' | 'measured';
  /** In-code retry waits inside billed invocations, at the policy's expected wait (GB-s, included). */
  inCodeRetryWaitGbSeconds?: number;
  /** Functions the calibration never ran: priced at their own durations. */
  notCalibrated?: string[];
  /** Light-load p50 Duration per function (ms): the calibration's (a load test reads them from CloudWatch). */
  lightLoadMs?: Record<string, number>;
}

export interface JourneySummary {
  hops: Record<string, number>;
  invocations: string[];
  coldStarts: number;
  dynamoCalls: number;
  retries: Record<string, number>;
}

/** Where an operator looks when an order fails, from the template. */
export interface PlacesToLook {
  logGroups: number;
  dlqs: number;
  executionHistories: number;
}

/** What a load test saw of its target beyond the orders: where the counts came from, what it checked. */
export interface TargetDetails {
  url: string;
  stackName?: string;
  /** The invariants this run checked (the client alone sees statuses; `--verify` reads tables and queues). */
  invariantsChecked: string[];
  /** How each count was derived (CloudWatch metric, execution history sample, what was left out). */
  countNotes: string[];
  /** Every CloudWatch figure read, `<Namespace> <Metric> <resource>` -> value. */
  metrics?: Record<string, number>;
  /** Open model: how late the generator sent each order after its due time. */
  clientLagMs?: LatencyQuantiles;
  /**
   * Open model, orders per second: asked for, sent by the generator, accepted by the API (POST
   * answered 2xx), and completed by the target (terminal, on the records' own clock). The
   * generator kept up when it sent what was asked with a small lag; the target sets the rest.
   */
  openModel?: { requestedPerSec: number; sentPerSec: number; acceptedPerSec: number; completedPerSec: number };
  /** The AWS model's prediction for the same orders, beside what was measured (a deployed stack). */
  awsModel?: { predicted: LatencyQuantiles; measured: LatencyQuantiles; source: string };
  /** The part of the seeded workload this generator drove (`--slice i/n`), when not all of it. */
  slice?: string;
}

export interface StrandedOrder {
  orderId: string;
  status: OrderStatus;
  /** Its queue, execution or flags, as an operator would find them. */
  where: string;
}

export interface RunInput {
  workload: WorkloadOptions;
  variants: VariantRun[];
  /** Absent for a load test against a remote target: nothing in-process to compare with. */
  baseline?: VariantRun;
  /** ISO time the report is dated; defaults to now. */
  generatedAt?: string;
  /** Defaults to `shared/data/prices.json`. */
  prices?: PriceTable;
  /** Defaults to `shared/data/aws-hop-latency.json`; cited beside every modelled number. */
  hopLatency?: HopLatencyTable;
  /** `LatencyModel.describe()` of the model the run used. */
  latencyModel?: string;
}

/** One order's timeline, times relative to its acceptance, for side-by-side charts. */
export interface ExampleTimeline {
  orderId: string;
  status: OrderStatus;
  /** Accept -> terminal (or last entry), ms. */
  totalMs: number;
  /** Measured locally, accept to terminal: nothing modelled is drawn here. */
  entries: (Omit<OrderTimelineEntry, 'at'> & { atMs: number })[];
  /** Entries written after the order ended (fan-out consumers), shown apart from its path. */
  afterTerminal?: (Omit<OrderTimelineEntry, 'at'> & { atMs: number })[];
}

/** Variant / baseline; null when the baseline's value is 0 (no ratio exists). */
export interface OverheadRatio {
  latencyP50: number | null;
  latencyP99: number | null;
  costPerMillion: number | null;
}

export interface VariantReport {
  orders: number;
  terminal: Record<TerminalStatus, number>;
  /** Orders that never reached a terminal status (each also breaks an invariant). */
  nonTerminal: number;
  /** Those orders, each with where it stands (its queue, execution or flags). */
  stranded: StrandedOrder[];
  latencyMs: { local: LatencyQuantiles; modelledAws?: LatencyQuantiles; betweenSteps?: LatencyQuantiles };
  latencyCdf: { local: CdfPoint[]; modelledAws?: CdfPoint[] };
  /** Terminal orders per second of wall clock. */
  throughputPerSec: number;
  /**
   * The emulator's saturation throughput on this machine (NOT AWS's): the cores' CPU time divided
   * by the CPU the local cloud spent per order in this run. Absent where it was not measured.
   */
  localCapacity?: { ordersPerSec: number; cpuMsPerOrder: number; cores: number };
  counts: Counts;
  /** Counters not observed in this run; empty when every counter was visible. */
  countsUnavailable: CounterName[];
  /** Estimated; a lower bound when `countsUnavailable` is not empty. */
  costPerMillionUsd: number;
  costBreakdown: CostLine[];
  /**
   * How Lambda duration was priced, and the cost at the run's own measured durations beside it
   * (the same counts, only `lambdaGbSeconds` changed): load-dependent, so not the one compared.
   */
  lambdaDuration?: LambdaDurationPricing & { measuredGbSeconds: number; costAtMeasuredDurationsUsd: number };
  /** Units counted but not priced (no published figure): left out of `costPerMillionUsd`, named here. */
  notPriced?: UnpricedLine[];
  invariantViolations: InvariantViolation[];
  /** The baseline run right after this variant (`npm run bench`): its p50 and SDK time per order. */
  baselineBeside?: { latencyP50Ms: number; awsCallMsPerOrder: number; orders: number };
  templateResources: number;
  orchestrationLoc: number;
  /** Step attempts after the first (timeline entries with attempt > 1), the same for every variant. */
  retries: number;
  /** Orders that ran at least one compensation (refund-payment or release-inventory). */
  compensations: number;
  /** Orders parked: found in a DLQ or a failed execution (or, where not looked up, FAILED ones). */
  dlq: number;
  /** How `dlq` was counted. */
  dlqCounted?: 'found in a DLQ or failed execution' | 'FAILED status';
  hopType?: HopType;
  /** Hops (step deliveries) of the example order: the path the modelled latency adds up. */
  hopsPerOrder?: number;
  /** Against the baseline; absent on the baseline itself. */
  overheadRatio?: OverheadRatio;
  exampleTimeline?: ExampleTimeline;
  /** The per-order AWS model's figures (absent when the run did not model AWS). */
  modelledAws?: ModelledAws;
  /** Scale ceiling on a default account, from the quotas file. */
  scale?: VariantScale;
  /** Fan-out consumers reported apart from the pipeline (eventbridge-flags' warehouse notice). */
  fanOut?: { functions: string[]; counts: Counts; costPerMillionUsd: number };
  placesToLook?: PlacesToLook;
  /** Present for a load test: its target, what it checked, where its counts come from. */
  target?: TargetDetails;
  /** Manual review: how the variant waits, what waiting orders cost and how long they waited. */
  review?: ReviewReport;
  /** A durable function's checkpoint overhead, measured locally (absent where nothing checkpointed). */
  checkpointOverhead?: CheckpointOverhead;
}

/** Quantiles of a set of local timings, ms, to 0.01 ms (checkpoints take a few ms, below an HDR bucket). */
export interface TimingQuantiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * What checkpointing cost a durable function in this run, measured locally from inside it
 * (services/durable-functions/instrumentation/): each `CheckpointDurableExecution` round trip,
 * the replay of the checkpoint log when it was invoked again, and the same domain steps' own
 * time for comparison. No AWS figure: none is published, so `aws` says so.
 */
export interface CheckpointOverhead {
  /** Orders whose handlers checkpointed (terminal ones). */
  orders: number;
  /** One `CheckpointDurableExecution` round trip, as the function waited for it. */
  perCheckpointMs: TimingQuantiles;
  /** Calls per order. */
  checkpointsPerOrder: { p50: number; max: number; mean: number };
  /** Round trips summed per order. */
  perOrderMs: TimingQuantiles;
  /** Per step: the round trips of the checkpoints that carried it (START, SUCCEED, RETRY). */
  perStep: Record<string, TimingQuantiles>;
  /** `GetDurableExecutionState` round trips (paging a long log on replay); absent when none ran. */
  stateReadsMs?: TimingQuantiles;
  /** Re-invocations that replayed the log before running a step: per order that had one, summed. */
  replay: { orders: number; invocations: number; perOrderMs?: TimingQuantiles };
  /** The same domain steps without checkpointing: the step bodies it ran, summed per order. */
  stepBodiesPerOrderMs: TimingQuantiles;
  /**
   * CONFIRMED orders without a retry: time in the orchestrator's handler per order, and the same
   * orders' time in single-lambda's handler (the same steps in one invocation, no checkpoint)
   * when single-lambda ran in the same run.
   */
  sameOrders?: { orders: number; inHandlerMs: TimingQuantiles; singleLambdaInHandlerMs?: TimingQuantiles };
  /** Always "not modelled (no published figure)": no per-step latency is published for durable functions. */
  aws: string;
}

export interface NotModelled {
  what: string;
  why: string;
  source?: string;
  /** Orders of the variant it touches. */
  orders: number;
  /** What it may add, where a bound is published (DynamoDB: calls x the bound), ms per order at p50. */
  boundMsPerOrder?: number;
}

export interface ModelledAws {
  latencyMs: { p50: number; p90: number; p99: number };
  cdf: CdfPoint[];
  notModelled: NotModelled[];
  sources: string[];
  /** Medians over CONFIRMED orders: hops, step compute, retry waits (ms), steps per order. */
  typical: { hopsMs: number; computeMs: number; retryWaitMs: number; steps: number; dynamoCalls: number };
}

/** null: no ceiling (no quota with a published limit is used). */
export interface VariantScale {
  maxOrdersPerSec: number | null;
  bindingQuota: string;
  raise: string;
  source: string;
  latencyGrowsFromOrdersPerSec: number | null;
  /**
   * Why where latency starts to grow is not modelled (the variant has no modelled latency): then
   * each latencyGrowsFromOrdersPerSec is null for that reason, not for "no ceiling".
   */
  latencyNotModelled?: string;
  quotas: {
    name: string;
    limit: number | null;
    perOrder: number;
    ordersPerSec: number | null;
    /** Where waiting for this quota starts to add 10% to the p50 (queueing approximation). */
    latencyGrowsFromOrdersPerSec: number | null;
    source: string;
  }[];
}

export interface Claim {
  claim: string;
  source: string;
  verdict: 'supported' | 'contradicted' | 'depends';
  evidence: string;
}

export interface ReportSources {
  prices: { region: string; asOf: string; urls: string[] };
  hopLatency: {
    title: string;
    url: string;
    region: string;
    measured: string;
    asOf: string;
    /** The published quantiles per hop type, so verdicts can cite them from the report alone. */
    hops: Record<HopType, { name: string; p50: number; p90: number; p99: number }>;
  };
  latencyModel?: string;
}

export interface Report {
  generatedAt: string;
  workload: WorkloadOptions;
  variants: Record<string, VariantReport>;
  /** Absent for a load test against a remote target. */
  baseline?: VariantReport;
  sources: ReportSources;
  /** Monthly cost per variant (free tiers applied), 10 thousand to 1 billion orders a month. */
  costCurve?: { monthlyOrders: number; usd: Record<string, number> }[];
  /** Orchestration's share of the modelled p50 as every step takes stepMs. */
  stepDurationSweep?: {
    stepMs: number;
    overheadShare: Record<string, number>;
    latencyP50Ms: Record<string, number>;
    /** Cost per million orders at this step duration (Lambda and Express bill duration). */
    usdPerMillion: Record<string, number>;
  }[];
  /** Cost per million orders as the retried attempts per order grow. */
  retryCostCurve?: { retriesPerOrder: number; usdPerMillion: Record<string, number> }[];
  claims?: Claim[];
  /** The model data report.html recomputes cost, latency and ceilings from. */
  awsView?: AwsViewModel;
}
