import { reviewOf } from '#lib/variants';
import { buildReport } from '#report/build-report';
import { renderMarkdown } from '#report/render-markdown';
import { comparisonTable } from '#report/render-table';
import type { OrderRun, VariantRun } from '#report/types';

/**
 * The report's waiting rows for the callback variants (step-functions' task token, durable-functions'
 * callback): transitions and durable operations per waiting order, and the Lambda compute spent
 * while orders waited, all from the run's counts; and what an Express run says instead.
 */
const START = 1_000_000;
const at = (ms: number) => new Date(START + ms).toISOString();

function waitedOrder(orderId: string): OrderRun {
  const entries: Array<[OrderRun['timeline'][number]['step'], number]> = [
    ['accept-order', 0],
    ['validate-order', 20],
    ['await-review', 30],
    ['review-order', 1_030],
    ['charge-payment', 1_080],
    ['reserve-inventory', 1_100],
    ['send-confirmation', 1_130],
  ];
  return {
    orderId,
    acceptedAtMs: START,
    terminalAtMs: START + 1_130,
    status: 'CONFIRMED',
    timeline: entries.map(([step, ms]) => ({ step, outcome: 'succeeded' as const, attempt: 1, at: at(ms) })),
  };
}

function run(name: string, review: VariantRun['review']): VariantRun {
  return {
    name,
    orders: [waitedOrder(`${name}-1`), waitedOrder(`${name}-2`)],
    counts: { lambdaInvocations: 20 },
    wallClockMs: 1_000,
    templateResources: 30,
    orchestrationLoc: 100,
    invariantViolations: [],
    ...(review ? { review } : {}),
  };
}

describe('report: what an order waiting on a callback costs', () => {
  const report = buildReport({
    workload: { orders: 2 },
    variants: [
      run('step-functions', {
        supported: true,
        skippedOrders: 0,
        mechanism: 'a .waitForTaskToken task',
        findWaiting: 'aws stepfunctions list-executions --status-filter RUNNING',
        waitingCounts: { stateTransitions: 4, lambdaGbSeconds: 0.2 },
        whileWaiting: { invocations: 0, lambdaGbSeconds: 0 },
      }),
      run('durable-functions', {
        supported: true,
        skippedOrders: 0,
        mechanism: 'waitForCallback',
        findWaiting: 'aws lambda list-durable-executions-by-function',
        waitingCounts: { durableOperations: 8, lambdaGbSeconds: 0.1 },
        whileWaiting: { invocations: 0, lambdaGbSeconds: 0 },
      }),
    ],
  });
  const section = comparisonTable(report).sections.find((s) => s.title.startsWith('Orders that wait'));
  const rowOf = (label: string) => section?.rows.find((r) => r.label === label)?.values;

  it('gives the transitions and durable operations of one waiting order, from the counts', () => {
    expect(report.variants['step-functions']!.review!.perWaitingOrder.stateTransitions).toBe(2);
    expect(report.variants['durable-functions']!.review!.perWaitingOrder.durableOperations).toBe(4);
    expect(section?.rows.map((r) => r.label)).toEqual(
      expect.arrayContaining(['State transitions / waiting order', 'Durable operations / waiting order']),
    );
  });

  it('shows the Lambda compute spent while orders waited, zero here, as measured', () => {
    expect(rowOf('Lambda GB-s while waiting / waiting order')).toEqual(['0', '0']);
    expect(rowOf('Invocations while waiting / waiting order')).toEqual(['0', '0']);
    expect(report.variants['durable-functions']!.review!.whileWaitingPerOrder).toEqual({
      invocations: 0,
      lambdaGbSeconds: 0,
    });
  });
});

describe('report: an Express run of step-functions', () => {
  it('has no review mechanism on Express, and says why instead of "no review mechanism yet"', () => {
    const express = reviewOf('step-functions', { sfnType: 'express' });
    expect(express.review).toBeUndefined();
    expect(express.unavailable).toMatch(/^Express: cannot wait for review \(5-minute limit\)/);
    expect(reviewOf('step-functions', { sfnType: 'standard' }).review?.waitFunctions).toContain('awaitReview');
    expect(reviewOf('durable-functions').review).toBeDefined();

    const report = buildReport({
      workload: { orders: 2 },
      variants: [
        run('step-functions', { supported: false, skippedOrders: 2, limit: express.unavailable, waitingCounts: {} }),
        run('sqs-chain', {
          supported: true,
          skippedOrders: 0,
          mechanism: 'a schedule',
          findWaiting: 'aws scheduler list-schedules',
          waitingCounts: { schedulesCreated: 2 },
        }),
      ],
    });
    const section = comparisonTable(report).sections.find((s) => s.title.startsWith('Orders that wait'));
    expect(section?.rows.find((r) => r.label === 'Orders that waited')?.values).toEqual(['cannot wait', '2']);
    expect(renderMarkdown(report)).toContain(
      'step-functions: Express: cannot wait for review (5-minute limit); Express has no .waitForTaskToken',
    );
    expect(renderMarkdown(report)).toContain("its run left the workload's 2 review orders out.");
  });
});
