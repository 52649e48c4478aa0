import { measureVariants, type ComparisonOptions } from '#lib/comparison';
import { generateWorkload } from '#lib/workload';
import { buildReport } from '#report/build-report';
import { renderMarkdown } from '#report/render-markdown';
import type { Report, RunInput } from '#report/types';

/**
 * `npm start -- --review-rate ...` in small: a variant with a review mechanism (sqs-chain) and
 * one without yet (single-lambda), the same seeded workload with many review orders, the driver
 * as the reviewer through the real API, the baseline deciding at once.
 */
const options: ComparisonOptions = {
  orders: 24,
  concurrency: 8,
  rate: 0,
  seed: 5,
  declineRate: 0.1,
  outOfStockRate: 0,
  transientRate: 0.1,
  rejectRate: 0,
  reviewRate: 0.5,
  reviewRejectRate: 0.3,
  reviewTimeoutRate: 0.3,
  reviewTimeoutSeconds: 6,
  variants: ['sqs-chain', 'single-lambda'],
  latencyModel: 'none',
  sfnType: 'standard',
};
const workload = generateWorkload({ ...options, runId: `s${options.seed}` });
const reviewIds = new Set(workload.filter((o) => o.review).map((o) => o.command.orderId));

let runs: RunInput;
let report: Report;

beforeAll(async () => {
  runs = await measureVariants(options);
  report = buildReport(runs);
}, 600_000);

const statesOf = (run: RunInput['baseline']) => Object.fromEntries(run!.orders.map((o) => [o.orderId, o.status]));

describe('npm start with review orders', () => {
  it('has review orders of every outcome in its workload', () => {
    const kinds = new Set(workload.map((o) => o.kind));
    for (const kind of ['review-approve', 'review-reject', 'review-timeout']) expect(kinds).toContain(kind);
  });

  it('ends each order in the same state in the variant that waits and in the baseline, with no violation', () => {
    const chain = runs.variants.find((v) => v.name === 'sqs-chain')!;
    expect(statesOf(chain)).toEqual(statesOf(runs.baseline));
    expect(chain.invariantViolations).toEqual([]);
    expect(runs.baseline!.invariantViolations).toEqual([]);
    expect(report.variants['sqs-chain']!.nonTerminal).toBe(0);
    const reasons = Object.fromEntries(chain.orders.map((o) => [o.orderId, o.reason]));
    for (const order of workload.filter((o) => o.review))
      expect({ id: order.command.orderId, reason: reasons[order.command.orderId] }).toEqual({
        id: order.command.orderId,
        reason: { approve: undefined, reject: 'ReviewRejected', timeout: 'ReviewTimedOut' }[order.review!.decision],
      });
  });

  it('runs a variant without a review mechanism on the other orders, with the same states, and says so', () => {
    const single = runs.variants.find((v) => v.name === 'single-lambda')!;
    const expected = Object.fromEntries(Object.entries(statesOf(runs.baseline)).filter(([id]) => !reviewIds.has(id)));
    expect(statesOf(single)).toEqual(expected);
    expect(single.invariantViolations).toEqual([]);
    expect(report.variants['single-lambda']!.review).toMatchObject({ supported: false, skippedOrders: reviewIds.size });
    expect(renderMarkdown(report)).toContain(
      `single-lambda: no review mechanism yet; its run left the workload's ${reviewIds.size} review orders out.`,
    );
  });

  it("fills the waiting rows of the variant that waits from the run's own counts", () => {
    const review = report.variants['sqs-chain']!.review!;
    const decided = (decision: string) => workload.filter((o) => o.review?.decision === decision).length;
    expect(review).toMatchObject({
      supported: true,
      waitingOrders: reviewIds.size,
      decisions: { approve: decided('approve'), reject: decided('reject'), timeout: decided('timeout') },
    });
    expect(review.perWaitingOrder).toMatchObject({
      schedulesCreated: 1,
      dynamoWriteUnits: expect.any(Number),
      lambdaGbSeconds: expect.any(Number),
    });
    expect(review.perWaitingOrder.dynamoWriteUnits).toBeGreaterThan(0);
    expect(review.perWaitingOrder.lambdaGbSeconds).toBeGreaterThan(0);
    expect(review.usdPerWaitingOrder).toBeGreaterThan(0);
    // The timed-out orders waited the whole timeout; the decided ones less.
    expect(review.waitedMs!.max).toBeGreaterThanOrEqual(6_000);
    expect(review.waitedMs!.p50).toBeLessThan(6_000);
    expect(renderMarkdown(report)).toContain('aws scheduler list-schedules --group-name sqs-chain-');
  });
});
