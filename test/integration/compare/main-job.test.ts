import { measureVariants, type ComparisonOptions } from '#lib/comparison';
import { buildReport } from '#report/build-report';
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
  variants: ['sqs-chain', 'eventbridge-flags', 'step-functions'],
  latencyModel: 'aws',
  sfnType: 'standard',
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
    expect(Object.keys(report.variants).sort()).toEqual(['eventbridge-flags', 'sqs-chain', 'step-functions']);
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
      expect(variant.terminal).toEqual(report.baseline.terminal);
      expect(variant.nonTerminal).toBe(0);
    }
  });

  it('gives each order the same terminal state in every variant for the same seed', () => {
    const statesOf = (name: string) =>
      Object.fromEntries(
        (name === 'baseline' ? runs.baseline : runs.variants.find((v) => v.name === name)!).orders.map((o) => [
          o.orderId,
          o.status,
        ]),
      );
    const expected = statesOf('baseline');
    expect(Object.keys(expected)).toHaveLength(30);
    for (const variant of small.variants) expect(statesOf(variant)).toEqual(expected);
  });

  it('writes one set of step names into the timelines of every variant and the baseline', () => {
    const stepsOf = (orders: RunInput['baseline']['orders']) =>
      [...new Set(orders.flatMap((o) => o.timeline.map((entry) => entry.step)))].sort();
    const expected = stepsOf(runs.baseline.orders);
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
    expect(sqs.sqsRequests).toBeGreaterThan(30);
    expect(eb.eventsPut).toBeGreaterThanOrEqual(30 * 2);
    // At least two states per order (a rejected order: ValidateOrder, RejectOrder); four on the happy path.
    expect(sfn.stateTransitions).toBeGreaterThanOrEqual(30 * 2);
    for (const counts of [sqs, eb, sfn]) {
      expect(counts.lambdaInvocations).toBeGreaterThan(30);
      expect(counts.dynamoWriteUnits).toBeGreaterThan(30);
    }
    for (const variant of Object.values(report.variants)) {
      expect(variant.templateResources).toBeGreaterThan(20);
      expect(variant.orchestrationLoc).toBeGreaterThan(0);
      expect(variant.latencyMs.modelledAws!.p50).toBeGreaterThan(variant.latencyMs.local.p50);
    }
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
