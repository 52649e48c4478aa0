import { type AwsViewModel, computeAwsView, type ViewVariant } from '#measure/aws-view';
import { loadPrices } from '#measure/cost-model';
import { loadQuotas, viewPrices } from '#report/aws-section';

const prices = viewPrices(loadPrices());
const quotas = loadQuotas();

function aVariant(overrides: Partial<ViewVariant> = {}): ViewVariant {
  return {
    name: 'sqs-chain',
    unitsPerOrder: {
      lambdaInvocations: 5,
      lambdaGbSeconds: 0.05,
      sqsRequests: 12,
      dynamoWriteUnits: 10,
      dynamoReadUnits: 5,
    },
    stepsPerOrder: 4,
    measuredStepMs: 8,
    orchestrationMs: 70,
    lambdaSecondsPerOrder: 0.1,
    memoryGb: 0.5,
    retriesPerOrder: 0.1,
    unitsPerRetry: { lambdaInvocations: 1, sqsRequests: 2 },
    ...overrides,
  };
}

const standard = aVariant({
  name: 'step-functions',
  unitsPerOrder: { lambdaInvocations: 5, lambdaGbSeconds: 0.05, stateTransitions: 4.5, sfnStandardExecutions: 1 },
  orchestrationMs: 400,
});
const express = aVariant({
  name: 'step-functions (Express)',
  unitsPerOrder: { lambdaInvocations: 5, lambdaGbSeconds: 0.05, sfnExpressRequests: 1 },
  orchestrationMs: 310,
  expressBilledGb: 64 / 1024,
});
const model: AwsViewModel = { prices, quotas, variants: [aVariant(), standard, express] };

describe('the AWS view (cost, latency and ceilings for a volume and a step duration)', () => {
  it('applies the free tiers: a small month of the SQS chain costs only its DynamoDB units', () => {
    const [chain] = computeAwsView(model, { monthlyOrders: 10_000 }).variants;
    // 50,000 Lambda requests and 120,000 SQS requests sit inside the free tiers.
    expect(chain!.monthlyUsd).toBeCloseTo((10 * 0.625 + 5 * 0.125) / 100, 6);
    const big = computeAwsView(model, { monthlyOrders: 1e9 }).variants[0]!;
    expect(big.monthlyUsd).toBeCloseTo(big.usdPerMillionOrders * 1000 - 0.2 - 400_000 * 0.0000166667 - 0.4, 0);
  });

  it('names the quota that binds first: Standard StartExecution at 300/s, Express far above', () => {
    const [, sfn, exp] = computeAwsView(model, { monthlyOrders: 1e6 }).variants;
    expect(sfn!.bindingQuota).toBe('Step Functions Standard StartExecution');
    expect(sfn!.maxOrdersPerSec).toBe(300);
    expect(sfn!.latencyGrowsFromOrdersPerSec).toBeLessThan(300);
    expect(exp!.maxOrdersPerSec).toBeGreaterThan(1000);
    for (const q of sfn!.quotas) expect(q.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('makes longer steps cost Lambda and Express duration, and shrink the orchestration share', () => {
    const short = computeAwsView(model, { monthlyOrders: 1e6, stepMs: 50 }).variants;
    const long = computeAwsView(model, { monthlyOrders: 1e6, stepMs: 30_000 }).variants;
    expect(long[0]!.usdPerMillionOrders).toBeGreaterThan(short[0]!.usdPerMillionOrders);
    expect(long[2]!.usdPerMillionOrders - short[2]!.usdPerMillionOrders).toBeGreaterThan(
      long[1]!.usdPerMillionOrders - short[1]!.usdPerMillionOrders,
    );
    expect(short[1]!.overheadShare).toBeCloseTo(400 / (400 + 4 * 50), 6);
    expect(long[1]!.overheadShare).toBeLessThan(0.01);
    // Under 10% from 9 x orchestration / steps per step.
    expect(short[1]!.stepMsForTenPercent).toBeCloseTo(900, 6);
  });

  it('bills more retries through the mechanism that runs them', () => {
    const none = computeAwsView(model, { monthlyOrders: 1e6, retriesPerOrder: 0 }).variants[0]!;
    const two = computeAwsView(model, { monthlyOrders: 1e6, retriesPerOrder: 2 }).variants[0]!;
    expect(two.usdPerMillionOrders - none.usdPerMillionOrders).toBeCloseTo(2 * (0.2 + 2 * 0.4), 6);
  });

  it('cites a source and says how to raise every quota', () => {
    expect(quotas.length).toBeGreaterThanOrEqual(10);
    for (const q of quotas) {
      expect(q.source).toMatch(/^https:\/\//);
      expect(q.raise.length).toBeGreaterThan(5);
    }
    expect(quotas.map((q) => q.name)).toEqual(
      expect.arrayContaining([
        'Step Functions Standard StartExecution',
        'Step Functions Standard state transitions',
        'Step Functions Express StartExecution',
        'EventBridge PutEvents',
        'EventBridge target invocations',
        'Lambda concurrent executions',
        'Lambda concurrency scaling rate, per function',
        'SQS standard queue API requests',
        'DynamoDB on-demand table write throughput',
      ]),
    );
  });
});
