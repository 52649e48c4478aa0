import { percentile } from '#cloud/cloudwatch/metric-store';
import { fanOutFunctions } from '#lib/stack-counts';
import {
  expectedInCodeRetryWaitMs,
  lightLoadGbSeconds,
  lightLoadMs,
  measuredGbSecondsFromSum,
} from '#measure/lambda-duration';

describe('Lambda duration, priced the same way by npm start and the load test', () => {
  it("prices each invocation at its function's light-load p50, rounded up to the millisecond", () => {
    // 100 invocations of a 256 MB function at 7.2 ms: billed 8 ms each.
    const { gbSeconds, notCalibrated } = lightLoadGbSeconds([
      ['validate', { invocations: 100, memoryMb: 256, lightLoadMs: 7.2 }],
      ['compensate', { invocations: 3, memoryMb: 256, lightLoadMs: undefined }],
      ['idle', { invocations: 0, memoryMb: 256, lightLoadMs: undefined }],
    ]);
    expect(gbSeconds).toBeCloseTo(100 * 0.25 * 0.008, 10);
    expect(notCalibrated).toEqual(['compensate']);
  });

  it('reads the light-load duration as the median, whatever one slow cold start took', () => {
    expect(lightLoadMs([200, 3, 9, 1, 7, 5, 2, 10, 4, 8, 6])).toBe(6);
    expect(lightLoadMs([])).toBeUndefined();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
  });

  it("adds half a millisecond per invocation to CloudWatch's Duration sum for the rounding", () => {
    expect(measuredGbSecondsFromSum(1000, 100, 512)).toBeCloseTo(((1000 + 50) / 1000) * 0.5, 10);
  });

  it("counts the in-code retry sleeps at the policy's expected wait: half of 1 s, then half of 2 s", () => {
    const flaky2 = [{ attempt: 1 }, { attempt: 1 }, { attempt: 2 }, { attempt: 3 }, { attempt: 1 }];
    expect(expectedInCodeRetryWaitMs([flaky2, [{ attempt: 1 }]])).toBe(500 + 1000);
  });
});

describe("a stack's fan-out consumers", () => {
  it('are the functions that only consume events announcing an order ended', () => {
    const rule = (types: string[], fn: string) => ({
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['order-pipelines.eventbridge-flags'], 'detail-type': types },
        Targets: [{ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, Id: fn }],
      },
    });
    const template = {
      Resources: {
        Validate: rule(['OrderPlaced'], 'ValidateOrderLambdaFunction'),
        Confirm: rule(['InventoryReserved'], 'SendConfirmationLambdaFunction'),
        Warehouse: rule(['OrderConfirmed'], 'NotifyWarehouseLambdaFunction'),
        // A function that also consumes a step's event is part of the pipeline.
        Audit1: rule(['OrderConfirmed'], 'AuditLambdaFunction'),
        Audit2: rule(['OrderValidated'], 'AuditLambdaFunction'),
      },
    };
    expect(fanOutFunctions(template)).toEqual(['NotifyWarehouseLambdaFunction']);
  });
});
