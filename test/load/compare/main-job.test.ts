import { measureVariants, type ComparisonOptions } from '#lib/comparison';
import { buildReport } from '#report/build-report';
import { renderHtml } from '#report/render-html';
import { renderMarkdown } from '#report/render-markdown';
import { VARIANTS, specOf, type Variant } from '#lib/variants';
import { generateWorkload } from '#lib/workload';
import type { Report, RunInput } from '#report/types';
import { STEP_NAMES } from '#domain/order';

const small: ComparisonOptions = {
  orders: 30,
  concurrency: 10,
  rate: 0,
  seed: 11,
  declineRate: 0.15,
  outOfStockRate: 0.15,
  transientRate: 0.1,
  rejectRate: 0.1,
  variants: [...VARIANTS],
  latencyModel: 'aws',
  sfnType: 'standard',
  // A short light-load calibration (npm start's is 30 orders): the contract, not the figures.
  calibrationOrders: 10,
};

let runs: RunInput;
let report: Report;

beforeAll(async () => {
  runs = await measureVariants(small);
  report = buildReport(runs);
  // A cap for a hung run only: each variant's run ends when its cloud is quiet.
}, 600_000);

describe('npm start: the same workload through every variant', () => {
  it('writes the report.json contract for each variant and the baseline', () => {
    expect(Object.keys(report.variants).sort()).toEqual([...VARIANTS].sort());
    for (const variant of [...Object.values(report.variants), report.baseline]) {
      expect(variant).toEqual(
        expect.objectContaining({
          orders: 30,
          terminal: expect.objectContaining({
            CONFIRMED: expect.any(Number),
            CANCELLED: expect.any(Number),
            REJECTED: expect.any(Number),
            FAILED: expect.any(Number),
          }),
          latencyMs: expect.objectContaining({
            local: expect.objectContaining({
              p50: expect.any(Number),
              p90: expect.any(Number),
              p99: expect.any(Number),
              max: expect.any(Number),
            }),
          }),
          throughputPerSec: expect.any(Number),
          counts: expect.any(Object),
          costPerMillionUsd: expect.any(Number),
          invariantViolations: [],
          templateResources: expect.any(Number),
          orchestrationLoc: expect.any(Number),
        }),
      );
    }
    expect(report.workload).toMatchObject({ orders: 30, seed: 11 });
  });

  it('ends every variant with the same terminal counts as the baseline and no invariant violated', () => {
    for (const variant of Object.values(report.variants)) {
      expect(variant.terminal).toEqual(report.baseline!.terminal);
      expect(variant.nonTerminal).toBe(0);
    }
  });

  it('gives each order the same terminal state in every variant for the same seed', () => {
    const statesOf = (name: string) =>
      Object.fromEntries(
        (name === 'baseline' ? runs.baseline! : runs.variants.find((v) => v.name === name)!).orders.map((o) => [
          o.orderId,
          o.status,
        ]),
      );
    const expected = statesOf('baseline');
    expect(Object.keys(expected)).toHaveLength(30);
    for (const variant of small.variants) expect(statesOf(variant)).toEqual(expected);
  });

  it('writes one set of step names into the timelines of every variant and the baseline', () => {
    const stepsOf = (orders: NonNullable<RunInput['baseline']>['orders']) =>
      [...new Set(orders.flatMap((o) => o.timeline.map((entry) => entry.step)))].sort();
    const expected = stepsOf(runs.baseline!.orders);
    // The workload's declines, stock-outs and invalid orders take every compensation path.
    expect(expected).toEqual(
      expect.arrayContaining(['accept-order', 'validate-order', 'charge-payment', 'cancel-order', 'reject-order']),
    );
    for (const step of expected) expect(['accept-order', ...STEP_NAMES]).toContain(step);
    for (const variant of runs.variants)
      expect({ variant: variant.name, steps: stepsOf(variant.orders) }).toEqual({
        variant: variant.name,
        steps: expected,
      });
  });

  it('counts what each style bills for, where the calls are made', () => {
    const { counts: sqs } = report.variants['sqs-chain']!;
    const { counts: eb } = report.variants['eventbridge-flags']!;
    const { counts: sfn } = report.variants['step-functions']!;
    const { counts: one } = report.variants['single-lambda']!;
    const { counts: durable } = report.variants['durable-functions']!;
    expect(sqs.sqsRequests).toBeGreaterThan(30);
    expect(eb.eventsPut).toBeGreaterThanOrEqual(30 * 2);
    // At least two states per order (a rejected order: ValidateOrder, RejectOrder); four on the happy path.
    expect(sfn.stateTransitions).toBeGreaterThanOrEqual(30 * 2);
    // One async invoke per order carries it whole: no bus or state machine, and no queue per step
    // (the other stacks' idle SQS pollers, still deployed in the same cloud, count a few requests).
    expect(one.lambdaInvocations).toBeGreaterThanOrEqual(30 * 2);
    expect((one.eventsPut ?? 0) + (one.stateTransitions ?? 0)).toBe(0);
    expect(one.sqsRequests ?? 0).toBeLessThan(30);
    // Each step is at least one durable operation (checkpointed), billed per operation.
    expect(durable.durableOperations).toBeGreaterThanOrEqual(30 * 2);
    for (const counts of [sqs, eb, sfn, one, durable]) {
      expect(counts.lambdaInvocations).toBeGreaterThan(30);
      expect(counts.dynamoWriteUnits).toBeGreaterThan(30);
    }
    for (const [name, variant] of Object.entries(report.variants)) {
      expect(variant.templateResources).toBeGreaterThan(20);
      expect(variant.orchestrationLoc).toBeGreaterThan(0);
      // Priced from the journey at light load (not the local figure plus delays, so it may be below
      // the busy machine's local p50); a variant whose hops have no published delay is "not modelled".
      if (specOf(name as Variant).hopType) expect(variant.latencyMs.modelledAws!.p50).toBeGreaterThan(0);
      else expect(variant.latencyMs.modelledAws).toBeUndefined();
    }
  });

  it('prices each order journey for AWS: hops of its own type, steps at light load, retries by mechanism', () => {
    for (const run of runs.variants) {
      const hopType = specOf(run.name as Variant).hopType?.(small);
      if (!hopType) {
        // No published delay for this variant's hops: its AWS latency is "not modelled", no journey priced.
        expect(run.orders.every((o) => o.modelledAws === undefined && o.journey === undefined)).toBe(true);
        continue;
      }
      const confirmed = run.orders.filter((o) => o.status === 'CONFIRMED' && !o.timeline.some((e) => e.attempt > 1));
      expect(confirmed.length).toBeGreaterThan(0);
      for (const order of confirmed) {
        expect(order.journey!.hops).toEqual({ [hopType]: 4 });
        expect(order.journey!.invocations).toHaveLength(4);
        expect(order.modelledAws!.notModelled.filter((key) => key.startsWith('compute:'))).toEqual([]);
      }
      // Each variant retries with one mechanism; every retried order's journey names it.
      const retried = run.orders.filter((o) => o.timeline.some((e) => e.attempt > 1));
      for (const order of retried) expect(Object.keys(order.journey?.retries ?? {})).toHaveLength(1);
      expect(run.calibration!.orders).toBeGreaterThan(0);
    }
    const flags = runs.variants.find((v) => v.name === 'eventbridge-flags')!;
    const retriedFlags = flags.orders.find((o) => o.timeline.some((e) => e.attempt > 1 && e.step !== 'accept-order'));
    // Lambda's async retry waits a minute on AWS (1 s locally).
    if (retriedFlags?.terminalAtMs) expect(retriedFlags.modelledAws!.retryWaitMs).toBeGreaterThanOrEqual(60_000);
  });

  it('writes the AWS sections of report.json: model, scale, cost curve, step sweep, claims', () => {
    for (const [name, variant] of Object.entries(report.variants)) {
      // Every variant has a ceiling with its source: it needs units per order and quotas, no latency.
      expect(variant.scale!.maxOrdersPerSec).toBeGreaterThan(0);
      expect(variant.scale!.bindingQuota.length).toBeGreaterThan(3);
      expect(variant.scale!.source).toMatch(/^https:\/\//);
      if (!specOf(name as Variant).hopType) {
        // "Not modelled" where no published figure exists: no latency model, no guessed latency growth.
        expect(variant.modelledAws).toBeUndefined();
        expect(variant.scale!.latencyGrowsFromOrdersPerSec ?? null).toBeNull();
        continue;
      }
      expect(variant.modelledAws).toEqual(
        expect.objectContaining({
          latencyMs: { p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number) },
          notModelled: expect.any(Array),
          sources: expect.arrayContaining([expect.stringMatching(/^https:\/\//)]),
        }),
      );
      if (name === 'step-functions') expect(variant.scale!.bindingQuota).toMatch(/^Step Functions Standard/);
    }
    expect(report.costCurve![0]!.monthlyOrders).toBe(1e4);
    expect(report.costCurve!.at(-1)!.monthlyOrders).toBe(1e9);
    expect(Object.keys(report.costCurve![0]!.usd)).toEqual(
      expect.arrayContaining(['step-functions', 'step-functions (Express)']),
    );
    expect(report.stepDurationSweep!.map((p) => p.stepMs)).toEqual(expect.arrayContaining([10, 30_000]));
    expect(report.claims!.map((c) => c.verdict)).toHaveLength(6);
  });

  it('reports the durable checkpoint overhead as measured in this run, and on AWS "not modelled"', () => {
    const durable = report.variants['durable-functions']!.checkpointOverhead!;
    // Timed inside the durable function, per order: every terminal order checkpointed its steps.
    expect(durable.orders).toBe(30);
    expect(durable.perCheckpointMs.p50).toBeGreaterThan(0);
    expect(durable.checkpointsPerOrder.p50).toBeGreaterThanOrEqual(2);
    expect(durable.perOrderMs.p50).toBeGreaterThan(durable.perCheckpointMs.p50);
    expect(Object.keys(durable.perStep)).toEqual(expect.arrayContaining(['validate-order', 'charge-payment']));
    // Against the same steps: their bodies, and single-lambda's handler for the same orders.
    expect(durable.stepBodiesPerOrderMs.p50).toBeGreaterThan(0);
    expect(durable.sameOrders!.singleLambdaInHandlerMs!.p50).toBeGreaterThan(0);
    expect(durable.aws).toBe('not modelled (no published figure)');
    for (const [name, variant] of Object.entries(report.variants))
      if (name !== 'durable-functions') expect(variant.checkpointOverhead).toBeUndefined();

    const row = (text: string) =>
      text.match(
        /per checkpoint: one CheckpointDurableExecution round trip, p50 \/ p99 \(ms\)\D+([\d.,]+) \/ ([\d.,]+)/,
      );
    const md = renderMarkdown(report);
    expect(md).toContain('## Durable checkpoint overhead (durable-functions): measured locally');
    expect(Number(row(md)![1])).toBeGreaterThan(0);
    expect(md).toMatch(
      /round trip, p50 \/ p99 \(ms\) \| [\d.,]+ \/ [\d.,]+ \| not modelled \(no published figure\) \|/,
    );
    const html = renderHtml(report);
    expect(Number(row(html)![1])).toBeGreaterThan(0);
    expect(html).toMatch(
      /round trip, p50 \/ p99 \(ms\)<\/th><td>[\d.,]+ \/ [\d.,]+<\/td><td>not modelled \(no published figure\)</,
    );
  });

  it('reports the warehouse consumer apart, so every variant is compared on the same pipeline', () => {
    const flags = report.variants['eventbridge-flags']!;
    const sqs = report.variants['sqs-chain']!;
    expect(flags.fanOut!.functions).toEqual([expect.stringMatching(/notifyWarehouse$/)]);
    expect(flags.fanOut!.counts.lambdaInvocations).toBeGreaterThan(0);
    expect(sqs.fanOut).toBeUndefined();
    const perOrder = (v: typeof flags) => (v.counts.lambdaInvocations ?? 0) / v.orders;
    expect(Math.abs(perOrder(flags) - perOrder(sqs))).toBeLessThan(0.5);
  });
});

describe('the seeded workload', () => {
  const options = {
    orders: 200,
    declineRate: 0.1,
    outOfStockRate: 0.1,
    transientRate: 0.1,
    rejectRate: 0.05,
    runId: 'w',
  };

  it('is the same for the same seed and different for another', () => {
    const a = generateWorkload({ ...options, seed: 1 });
    expect(generateWorkload({ ...options, seed: 1 })).toEqual(a);
    const b = generateWorkload({ ...options, seed: 2 });
    expect(b.map((o) => o.kind)).not.toEqual(a.map((o) => o.kind));
    expect(b.map((o) => o.command.items)).not.toEqual(a.map((o) => o.command.items));
  });

  it('mixes the kinds of order in the asked proportions', () => {
    const kinds = generateWorkload({ ...options, orders: 4000, seed: 3 }).map((o) => o.kind);
    const share = (kind: string) => kinds.filter((k) => k === kind).length / kinds.length;
    expect(share('decline')).toBeCloseTo(0.1, 1);
    expect(share('out-of-stock')).toBeCloseTo(0.1, 1);
    expect(share('reject')).toBeCloseTo(0.05, 1);
  });
});
