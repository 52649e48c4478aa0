import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { describeReviewCases, placeAndPark, REVIEW_TEST_PARAMS } from '#test/helpers/review-cases';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';

let harness: VariantHarness;

beforeAll(async () => {
  harness = await startVariant('sqs-chain', { deploy: { params: REVIEW_TEST_PARAMS } });
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describeReviewCases(() => harness);

describe('sqs-chain: how the order waits', () => {
  it('keeps one schedule per waiting order in the stack group, and drops it when the order is decided', async () => {
    const scheduler = new SchedulerClient({
      region: 'us-east-1',
      endpoint: harness.cloud.endpoints.scheduler,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const group = harness.stack.resources.get('ReviewScheduleGroup')?.ref ?? '';
    const listed = async () =>
      ((await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? []).map((s) => s.Name);
    try {
      const parked = await placeAndPark(harness);
      // What an operator runs: aws scheduler list-schedules --group-name <group>.
      expect(await listed()).toContain(parked.orderId);
      expect(parked.review?.token).toBe(parked.orderId);
      expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
      expect(await listed()).not.toContain(parked.orderId);
      expect((await harness.waitFor(parked.orderId)).status).toBe('CONFIRMED');
    } finally {
      scheduler.destroy();
    }
  });
});
