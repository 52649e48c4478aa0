import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { createDynamoDocumentClient, createEventBridgeClient } from '#adapters/clients';
import { DynamoOrderFlags, flagOutcome } from '#services/eventbridge-flags/lib/dynamo-order-flags';
import { describeReviewCases, placeAndPark, REVIEW_TEST_PARAMS } from '#test/helpers/review-cases';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';

/**
 * The choreography's manual review through its real API, with every event delivered twice and
 * some out of order (as EventBridge may): the flags keep each step, the review's hand-on and the
 * timeout idempotent.
 */
let harness: VariantHarness;
let eventBridge: EventBridgeClient;
let scheduler: SchedulerClient;
let flags: DynamoOrderFlags;

beforeAll(async () => {
  harness = await startVariant('eventbridge-flags', {
    deploy: { params: REVIEW_TEST_PARAMS },
    cloud: { eventBridgeDuplicates: { enabled: true, reorder: true, seed: 13 } },
  });
  eventBridge = createEventBridgeClient({ config: harness.cloud.awsConfig, metered: false });
  scheduler = new SchedulerClient({
    region: 'us-east-1',
    endpoint: harness.cloud.endpoints.scheduler,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  flags = new DynamoOrderFlags({
    tableName: harness.stack.resources.get('FlagsTable')?.ref ?? '',
    client: createDynamoDocumentClient({ config: harness.cloud.awsConfig, metered: false }),
  });
}, 120_000);

afterAll(async () => {
  eventBridge?.destroy();
  scheduler?.destroy();
  await harness?.stop();
});

describeReviewCases(() => harness);

/** What a stray producer (or an operator) would do: put an event of the choreography by hand. */
async function putEvent(detailType: string, orderId: string): Promise<void> {
  const result = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: harness.stack.resources.get('OrdersBus')?.ref ?? '',
          Source: 'order-pipelines.eventbridge-flags',
          DetailType: detailType,
          Detail: JSON.stringify({ orderId }),
        },
      ],
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

/**
 * Waits until everything but the waiting orders' own schedules is quiet (cloud.idle() would wait
 * for those to fire too): the deliveries of what was just put have been handled.
 */
async function quietButSchedules(): Promise<void> {
  for (let quiet = 0; quiet < 2; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    quiet = harness.cloud.activity().every((line) => line.startsWith('scheduler:')) ? quiet + 1 : 0;
  }
}

const waiting = async () =>
  (
    (
      await scheduler.send(
        new ListSchedulesCommand({ GroupName: harness.stack.resources.get('ReviewScheduleGroup')?.ref ?? '' }),
      )
    ).Schedules ?? []
  ).map((s) => s.Name);

describe('eventbridge-flags: how the order waits', () => {
  it('settles validate-order awaiting-review with a schedule in the stack group, then hands on once approved', async () => {
    const parked = await placeAndPark(harness);
    expect(flagOutcome(await flags.get(parked.orderId), 'validate-order')).toBe('awaiting-review');
    // What an operator runs: aws scheduler list-schedules --group-name <group>.
    expect(await waiting()).toContain(parked.orderId);
    expect(parked.review?.token).toBe(parked.orderId);

    expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
    expect(await waiting()).not.toContain(parked.orderId);
    expect((await harness.waitFor(parked.orderId)).status).toBe('CONFIRMED');
    const item = await flags.get(parked.orderId);
    expect(flagOutcome(item, 'validate-order')).toBe('succeeded');
    expect(flagOutcome(item, 'charge-payment')).toBe('succeeded');
  });

  it('does nothing for a repeated OrderPlaced while the order waits, nor for a timeout after the approval', async () => {
    const parked = await placeAndPark(harness);
    await putEvent('OrderPlaced', parked.orderId);
    await quietButSchedules();
    expect((await harness.probe.order(parked.orderId))?.status).toBe('AWAITING_REVIEW');
    expect(await harness.probe.ledger(parked.orderId)).toEqual([]);

    expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
    // The timeout racing the reviewer: it finds the order decided and changes nothing.
    await putEvent('ReviewTimedOut', parked.orderId);
    const ended = await harness.waitFor(parked.orderId);
    await harness.cloud.idle();
    expect(ended).toMatchObject({ status: 'CONFIRMED', review: { decision: 'approve' } });
    expect((await harness.probe.ledger(parked.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    expect((await harness.probe.order(parked.orderId))?.status).toBe('CONFIRMED');
  });

  it('ends a timed-out order through the compensation path, with the flags resolved', async () => {
    const parked = await placeAndPark(harness);
    const ended = await harness.waitFor(parked.orderId, { timeoutMs: 60_000 });
    expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewTimedOut' });
    await harness.cloud.idle();
    const item = await flags.get(parked.orderId);
    expect(flagOutcome(item, 'validate-order')).toBe('failed:ReviewTimedOut');
    expect(flagOutcome(item, 'time-out-review')).toBe('succeeded');
    expect(flagOutcome(item, 'compensate-order')).toBeDefined();
    // The schedule deleted itself once it fired (ActionAfterCompletion DELETE).
    expect(await waiting()).not.toContain(parked.orderId);
  });
});
