import { measureVariants, type ComparisonOptions } from '#lib/comparison';
import type { Variant } from '#lib/variants';
import { generateWorkload } from '#lib/workload';
import { buildReport } from '#report/build-report';
import { renderMarkdown } from '#report/render-markdown';
import { reviewLines } from '#report/render-table';
import type { Report, RunInput } from '#report/types';

/**
 * `npm start -- --review-rate ...` in small: the variants that park an order and time it out with
 * a schedule (sqs-chain, eventbridge-flags, single-lambda; the callback variants are in
 * review-callbacks-job.test.ts), the same seeded workload with many review orders, the driver as the reviewer through the real
 * API, the baseline deciding at once.
 */
const WAITING: Variant[] = ['sqs-chain', 'eventbridge-flags', 'single-lambda'];
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
  variants: WAITING,
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

  it.each(WAITING)('ends each order in the same state in %s and in the baseline, with no violation', (name) => {
    const variant = runs.variants.find((v) => v.name === name)!;
    expect(statesOf(variant)).toEqual(statesOf(runs.baseline));
    expect(variant.invariantViolations).toEqual([]);
    expect(runs.baseline!.invariantViolations).toEqual([]);
    expect(report.variants[name]!.nonTerminal).toBe(0);
    const reasons = Object.fromEntries(variant.orders.map((o) => [o.orderId, o.reason]));
    for (const order of workload.filter((o) => o.review))
      expect({ id: order.command.orderId, reason: reasons[order.command.orderId] }).toEqual({
        id: order.command.orderId,
        reason: { approve: undefined, reject: 'ReviewRejected', timeout: 'ReviewTimedOut' }[order.review!.decision],
      });
  });

  it.each(WAITING)("fills the waiting rows of %s from the run's own counts", (name) => {
    const review = report.variants[name]!.review!;
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
    expect(renderMarkdown(report)).toContain(`aws scheduler list-schedules --group-name ${name}-`);
  });

  it('says in the report that one Lambda cannot hold the order, and how it waits instead', () => {
    const line = reviewLines(report).find((l) => l.startsWith('single-lambda waits so:'));
    expect(line).toMatch(/Limit: one invocation lasts 15 minutes at most/);
    expect(line).toContain('a second invocation');
  });
});
