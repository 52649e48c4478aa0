import { measureVariants, type ComparisonOptions } from '#lib/comparison';
import { generateWorkload } from '#lib/workload';
import { buildReport } from '#report/build-report';
import { renderMarkdown } from '#report/render-markdown';
import type { Report, RunInput } from '#report/types';

/**
 * `npm start -- --review-rate ...` in small for the two callback variants: step-functions waits in
 * a .waitForTaskToken task, durable-functions in waitForCallback; the same seeded workload with
 * many review orders (approved, rejected, timed out), the driver as the reviewer through each
 * real API, the baseline deciding at once.
 */
const options: ComparisonOptions = {
  orders: 16,
  concurrency: 8,
  rate: 0,
  seed: 7,
  declineRate: 0.1,
  outOfStockRate: 0,
  transientRate: 0.1,
  rejectRate: 0,
  reviewRate: 0.5,
  reviewRejectRate: 0.3,
  reviewTimeoutRate: 0.3,
  // Long enough that a reviewer's decision (0.2-1.5 s after GET shows the order waiting) lands
  // before it even when the machine is busy: the outcome must be the workload's, not the load's.
  reviewTimeoutSeconds: 15,
  variants: ['step-functions', 'durable-functions'],
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

describe('npm start with review orders: the callback variants', () => {
  it('has review orders of every outcome in its workload', () => {
    const kinds = new Set(workload.map((o) => o.kind));
    for (const kind of ['review-approve', 'review-reject', 'review-timeout']) expect(kinds).toContain(kind);
  });

  it.each(['step-functions', 'durable-functions'])(
    '%s ends each order as the baseline does, with no violation',
    (name) => {
      const run = runs.variants.find((v) => v.name === name)!;
      expect(statesOf(run)).toEqual(statesOf(runs.baseline));
      expect(run.invariantViolations).toEqual([]);
      expect(report.variants[name]!.nonTerminal).toBe(0);
      const decided = (decision: string) => workload.filter((o) => o.review?.decision === decision).length;
      expect(report.variants[name]!.review).toMatchObject({
        supported: true,
        waitingOrders: reviewIds.size,
        decisions: { approve: decided('approve'), reject: decided('reject'), timeout: decided('timeout') },
      });
    },
  );

  it('costs step-functions state transitions per waiting order, and durable-functions durable operations', () => {
    const sfn = report.variants['step-functions']!.review!;
    const durable = report.variants['durable-functions']!.review!;
    // AwaitReview at least; a timed-out order also TimeOutReview, AfterTimeout and ReviewEnded.
    expect(sfn.perWaitingOrder.stateTransitions).toBeGreaterThanOrEqual(1);
    expect(sfn.perWaitingOrder.durableOperations ?? 0).toBe(0);
    // The review context, its review-requested step, the waitForCallback context, its callback and
    // its submitter step at least.
    expect(durable.perWaitingOrder.durableOperations).toBeGreaterThanOrEqual(5);
    expect(durable.perWaitingOrder.stateTransitions ?? 0).toBe(0);
    for (const review of [sfn, durable]) expect(review.perWaitingOrder.lambdaGbSeconds).toBeGreaterThan(0);
  });

  it('measures no Lambda compute while the orders waited, in either', () => {
    for (const name of ['step-functions', 'durable-functions'])
      expect({ name, whileWaiting: report.variants[name]!.review!.whileWaitingPerOrder }).toEqual({
        name,
        whileWaiting: { invocations: 0, lambdaGbSeconds: 0 },
      });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('Lambda GB-s while waiting / waiting order');
    expect(markdown).toContain('aws stepfunctions list-executions --state-machine-arn');
    expect(markdown).toContain('aws lambda list-durable-executions-by-function');
  });
});
