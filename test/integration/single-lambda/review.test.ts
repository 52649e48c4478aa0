import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { describeReviewCases, placeAndPark, REVIEW_TEST_PARAMS } from '#test/helpers/review-cases';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';

/**
 * The single Lambda's manual review through its real API: the first run parks the order and ends,
 * the approval is a second async invocation of the order function, the timeout a third one, fired
 * by the order's one-time schedule.
 */
let harness: VariantHarness;
let scheduler: SchedulerClient;

beforeAll(async () => {
  harness = await startVariant('single-lambda', { deploy: { params: REVIEW_TEST_PARAMS } });
  scheduler = new SchedulerClient({
    region: 'us-east-1',
    endpoint: harness.cloud.endpoints.scheduler,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
}, 120_000);

afterAll(async () => {
  scheduler?.destroy();
  await harness?.stop();
});

describeReviewCases(() => harness);

describe('single-lambda: how the order waits', () => {
  const waiting = async () =>
    (
      (
        await scheduler.send(
          new ListSchedulesCommand({ GroupName: harness.stack.resources.get('ReviewScheduleGroup')?.ref ?? '' }),
        )
      ).Schedules ?? []
    ).map((s) => s.Name);

  it('ends the first run at the park, and runs the approved order on from charge-payment in a second run', async () => {
    const parked = await placeAndPark(harness);
    // What an operator runs: aws scheduler list-schedules --group-name <group>.
    expect(await waiting()).toContain(parked.orderId);
    expect(parked.timeline.map((e) => [e.step, e.run])).toEqual([
      ['accept-order', undefined],
      ['validate-order', 1],
      ['await-review', 1],
    ]);
    expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
    expect(await waiting()).not.toContain(parked.orderId);
    const ended = await harness.waitFor(parked.orderId);
    expect(ended.status).toBe('CONFIRMED');
    expect(ended.timeline.filter((e) => e.run === 2).map((e) => e.step)).toEqual([
      'charge-payment',
      'reserve-inventory',
      'send-confirmation',
    ]);
  });
});
