import { buildReport } from '#report/build-report';
import { renderMarkdown } from '#report/render-markdown';
import { comparisonTable, renderTable } from '#report/render-table';
import type { OrderRun, VariantRun } from '#report/types';

/** A timeline in ms after acceptance, as the orders table writes it. */
function timeline(entries: Array<[step: OrderRun['timeline'][number]['step'], atMs: number]>, start = 1_000_000) {
  return entries.map(([step, atMs]) => ({ step, outcome: 'succeeded' as const, attempt: 1, at: iso(start + atMs) }));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const START = 1_000_000;

/** A plain order (100 ms), an approved one (waited 2,000 ms), a rejected one and a timed-out one. */
function reviewedRun(name: string, supported: boolean): VariantRun {
  const plain: OrderRun = {
    orderId: 'plain',
    acceptedAtMs: START,
    terminalAtMs: START + 100,
    status: 'CONFIRMED',
    timeline: timeline([
      ['accept-order', 0],
      ['validate-order', 20],
      ['charge-payment', 50],
      ['reserve-inventory', 70],
      ['send-confirmation', 100],
    ]),
  };
  const approved: OrderRun = {
    orderId: 'approved',
    acceptedAtMs: START,
    terminalAtMs: START + 2_130,
    status: 'CONFIRMED',
    timeline: timeline([
      ['accept-order', 0],
      ['validate-order', 20],
      ['await-review', 30],
      ['review-order', 2_030],
      ['charge-payment', 2_080],
      ['reserve-inventory', 2_100],
      ['send-confirmation', 2_130],
    ]),
  };
  const rejected: OrderRun = {
    orderId: 'rejected',
    acceptedAtMs: START,
    terminalAtMs: START + 1_030,
    status: 'CANCELLED',
    reason: 'ReviewRejected',
    timeline: timeline([
      ['accept-order', 0],
      ['validate-order', 20],
      ['await-review', 30],
      ['review-order', 1_030],
    ]),
  };
  const timedOut: OrderRun = {
    orderId: 'timed-out',
    acceptedAtMs: START,
    terminalAtMs: START + 10_030,
    status: 'CANCELLED',
    reason: 'ReviewTimedOut',
    timeline: timeline([
      ['accept-order', 0],
      ['validate-order', 20],
      ['await-review', 30],
      ['time-out-review', 10_030],
    ]),
  };
  return {
    name,
    orders: supported ? [plain, approved, rejected, timedOut] : [plain],
    counts: { lambdaInvocations: 20, dynamoWriteUnits: 40 },
    wallClockMs: 1_000,
    templateResources: 30,
    orchestrationLoc: 100,
    invariantViolations: [],
    review: supported
      ? {
          supported: true,
          skippedOrders: 0,
          timeoutSeconds: 10,
          mechanism: 'a schedule per waiting order',
          findWaiting: 'aws scheduler list-schedules --group-name g',
          waitingCounts: { schedulesCreated: 3, schedulerInvocations: 1, dynamoWriteUnits: 9, lambdaGbSeconds: 0.3 },
        }
      : { supported: false, skippedOrders: 3, waitingCounts: {} },
  };
}

describe('report: orders that wait for review', () => {
  const report = buildReport({
    workload: { orders: 4 },
    variants: [reviewedRun('chain', true), reviewedRun('other', false)],
    generatedAt: '2026-01-01T00:00:00.000Z',
  });

  it('counts the waiting orders, how their waits ended, how long they waited and how fast an approval resumed', () => {
    const review = report.variants.chain!.review!;
    expect(review).toMatchObject({
      supported: true,
      waitingOrders: 3,
      decisions: { approve: 1, reject: 1, timeout: 1 },
      resumeMs: expect.objectContaining({ p50: 50 }),
    });
    expect(review.waitedMs?.max).toBe(10_000);
    expect(review.waitedMs?.p50).toBe(2_000);
  });

  it('gives the cost of one waiting order from the run counts, priced', () => {
    const review = report.variants.chain!.review!;
    expect(review.perWaitingOrder).toEqual({
      schedulesCreated: 1,
      schedulerInvocations: 1 / 3,
      dynamoWriteUnits: 3,
      lambdaGbSeconds: expect.closeTo(0.1, 10),
    });
    expect(review.usdPerWaitingOrder).toBeGreaterThan(0);
  });

  it("leaves the wait out of the pipeline's latency and throughput", () => {
    // plain 100 ms; approved 2,130 - 2,000 waited; rejected 1,030 - 1,000; timed out 10,030 - 10,000.
    expect(report.variants.chain!.latencyMs.local.max).toBe(130);
    expect(report.variants.chain!.throughputPerSec).toBe(1);
  });

  it('says where a variant has no review mechanism, and how an operator finds the waiting orders', () => {
    const section = comparisonTable(report).sections.find((s) => s.title.startsWith('Orders that wait'));
    expect(section?.rows.find((r) => r.label === 'Orders that waited')?.values).toEqual(['3', 'no review yet']);
    expect(section?.rows.find((r) => r.label.startsWith('Review orders left out'))?.values).toEqual(['0', '3']);
    expect(section?.rows.map((r) => r.label)).toEqual(
      expect.arrayContaining(['Schedules created / waiting order', 'Cost / waiting order (USD)']),
    );
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('aws scheduler list-schedules --group-name g');
    expect(markdown).toContain("other: no review mechanism yet; its run left the workload's 3 review orders out.");
    expect(renderTable(report)).toContain('Orders that wait (manual review):');
  });
});

describe('report: a run without review orders', () => {
  it('shows no review rows and no review lines', () => {
    const quiet = (name: string): VariantRun => ({
      ...reviewedRun(name, false),
      review: { supported: name === 'chain', skippedOrders: 0, waitingCounts: {} },
    });
    const report = buildReport({ workload: { orders: 1 }, variants: [quiet('chain'), quiet('other')] });
    expect(comparisonTable(report).sections.map((s) => s.title)).not.toContain('Orders that wait (manual review)');
    expect(renderTable(report)).not.toContain('Orders that wait');
    expect(renderMarkdown(report)).not.toContain('Orders that wait');
  });
});
