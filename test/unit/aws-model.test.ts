import { readFileSync } from 'node:fs';
import { loadAwsModelFigures, modelOrder, type OrderJourney, retryWaitAtAws } from '#measure/aws-model';
import { loadHopLatencyTable } from '#measure/latency-model';

const hops = loadHopLatencyTable();
const figures = loadAwsModelFigures();
const compute = { validate: 4, charge: 6, reserve: 5, send: 3 };

/** A happy order's journey: four hops of one type, four warm invocations, no retries. */
function aJourney(type: OrderJourney['hops'][number]['type'], extra: Partial<OrderJourney> = {}): OrderJourney {
  const names = Object.keys(compute);
  return {
    hops: names.map((_, i) => ({ type, atMs: 1000 + i * 10 })),
    invocations: names.map((functionName, i) => ({
      functionName,
      startedAtMs: 1001 + i * 10,
      endedAtMs: 1005 + i * 10,
      cold: false,
      dynamoCalls: 3,
    })),
    retries: [],
    ...extra,
  };
}

describe('the per-order AWS model', () => {
  it('prices a journey as its hops drawn from the published delays plus each step at light load', () => {
    const order = modelOrder(aJourney('sqs'), { seed: 1, orderId: 'o-1', hops, figures, compute });
    expect(order.computeMs).toBe(18);
    // Four SQS hops: each between the curve's floor and its cap (2 x p99 - p50).
    expect(order.hopsMs).toBeGreaterThan(4 * 10);
    expect(order.hopsMs).toBeLessThan(4 * (2 * hops.hops.sqs.p99 - hops.hops.sqs.p50));
    expect(order.ms).toBeCloseTo(order.hopsMs + order.computeMs, 6);
  });

  it('gives the same journey the same figure, whatever the local timings were', () => {
    const a = modelOrder(aJourney('eventbridge'), { seed: 42, orderId: 'o-7', hops, figures, compute });
    const slower = aJourney('eventbridge');
    for (const i of slower.invocations) i.endedAtMs += 5_000; // a saturated machine
    const b = modelOrder(slower, { seed: 42, orderId: 'o-7', hops, figures, compute });
    expect(b.ms).toBe(a.ms);
    expect(modelOrder(aJourney('eventbridge'), { seed: 42, orderId: 'o-8', hops, figures, compute }).ms).not.toBe(a.ms);
  });

  it("waits AWS's documented minute and two minutes for Lambda async retries", () => {
    const journey = aJourney('eventbridge', {
      retries: [
        { mechanism: 'lambda-async', attempt: 1, atMs: 1 },
        { mechanism: 'lambda-async', attempt: 2, atMs: 2 },
      ],
    });
    expect(modelOrder(journey, { seed: 1, orderId: 'o', hops, figures, compute }).retryWaitMs).toBe(180_000);
  });

  it('redelivers SQS messages after the visibility backoff the chain sets (1 s, then 2 s)', () => {
    const random = () => 0.5;
    expect(retryWaitAtAws({ mechanism: 'sqs-visibility', attempt: 1 }, figures, random)).toBe(1000);
    expect(retryWaitAtAws({ mechanism: 'sqs-visibility', attempt: 2 }, figures, random)).toBe(2000);
  });

  it("applies the definition's IntervalSeconds, BackoffRate and full jitter to a Step Functions retry", () => {
    const retrier = { IntervalSeconds: 1, BackoffRate: 2, JitterStrategy: 'FULL' };
    expect(retryWaitAtAws({ mechanism: 'sfn-retry', attempt: 2, retrier }, figures, () => 0.5)).toBe(1000);
    expect(retryWaitAtAws({ mechanism: 'sfn-retry', attempt: 2, retrier }, figures, () => 0.999)).toBeCloseTo(1998, 0);
    const capped = { IntervalSeconds: 10, BackoffRate: 3, MaxDelaySeconds: 20 };
    expect(retryWaitAtAws({ mechanism: 'sfn-retry', attempt: 3, retrier: capped }, figures, () => 0)).toBe(20_000);
  });

  it('says what it could not model instead of inventing a figure', () => {
    const journey = aJourney('eventbridge', {
      retries: [{ mechanism: 'eventbridge-target', attempt: 1, atMs: 1 }],
      invocations: [{ functionName: 'unknown-fn', startedAtMs: 1, endedAtMs: 2, cold: true, dynamoCalls: 2 }],
    });
    const order = modelOrder(journey, { seed: 1, orderId: 'o', hops, figures, compute });
    expect(order.notModelled).toEqual([
      'cold-start',
      'compute:unknown-fn',
      'dynamodb-latency',
      'retry:eventbridge-target',
    ]);
    expect(order.retryWaitMs).toBe(0);
    expect(order.computeMs).toBe(0);
  });

  it('keeps every figure with its source, and marks the unpublished ones not modelled', () => {
    const raw = JSON.parse(readFileSync('shared/data/aws-model.json', 'utf8')) as Record<string, unknown>;
    const entries = Object.entries(raw).filter(([key]) => key !== 'asOf' && key !== 'description');
    expect(entries.length).toBeGreaterThanOrEqual(7);
    for (const [, value] of entries) {
      const figure = value as { source: string; modelled: boolean; why?: string };
      expect(figure.source).toMatch(/^https:\/\//);
      if (!figure.modelled) expect(figure.why).toEqual(expect.any(String));
    }
    expect(figures.lambdaAsyncRetry.delaysMs).toEqual([60_000, 120_000]);
    expect(figures.dynamodbItemLatency.modelled).toBe(false);
    expect(figures.lambdaColdStart.modelled).toBe(false);
  });
});
