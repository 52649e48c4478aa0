import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDynamoDocumentClient, createEventBridgeClient } from '#adapters/clients';
import { DynamoOrderFlags, flagOutcome } from '#services/eventbridge-flags/lib/dynamo-order-flags';
import { checkInvariants } from '#domain/invariants';
import { redriveEventBridge } from '#lib/redrive-eventbridge';
import { EXHAUSTING_TOKEN, PATH_CASES } from '#test/helpers/path-cases';
import { dlqsHolding, runPathCase } from '#test/helpers/path-assertions';
import { order, startVariant, type VariantHarness } from '#test/helpers/variant-harness';
import { warehousePicks } from '#test/helpers/warehouse';

const SOURCE = 'order-pipelines.eventbridge-flags';

/** What an operator (or a stray producer) would do: put an event of the choreography by hand. */
async function putEvent(
  harness: VariantHarness,
  eventBridge: EventBridgeClient,
  detailType: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const result = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: harness.stack.resources.get('OrdersBus')?.ref ?? '',
          Source: SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

function flagsOf(harness: VariantHarness): DynamoOrderFlags {
  return new DynamoOrderFlags({
    tableName: harness.stack.resources.get('FlagsTable')?.ref ?? '',
    client: createDynamoDocumentClient({ config: harness.cloud.awsConfig, metered: false }),
  });
}

describe('eventbridge-flags, one delivery per event', () => {
  let harness: VariantHarness;
  let eventBridge: EventBridgeClient;

  beforeAll(async () => {
    harness = await startVariant('eventbridge-flags');
    eventBridge = createEventBridgeClient({ config: harness.cloud.awsConfig, metered: false });
  });

  afterAll(async () => {
    eventBridge?.destroy();
    await harness?.stop();
  });

  describe('the shared paths', () => {
    it.each(PATH_CASES.map((c) => [c.name, c] as const))('%s', async (_name, pathCase) => {
      await runPathCase(harness, pathCase);
    });
  });

  it('fans OrderConfirmed out to the warehouse, which picks the order exactly once', async () => {
    const command = order({ items: [{ sku: 'SKU-HEADSET', qty: 1 }] });
    await harness.post(command);
    await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'] });
    await harness.cloud.idle();
    // The same fact announced again (a producer retry): the flag makes it a no-op.
    await putEvent(harness, eventBridge, 'OrderConfirmed', { orderId: command.orderId });
    await harness.cloud.idle();
    const picks = await warehousePicks(harness, command.orderId);
    expect(picks).toEqual([
      expect.objectContaining({
        kind: 'warehouse-pick',
        items: [expect.objectContaining({ sku: 'SKU-HEADSET', qty: 1 })],
      }),
    ]);
    expect(flagOutcome(await flagsOf(harness).get(command.orderId), 'notify-warehouse')).toBe('succeeded');
  });

  it('never picks a declined order: OrderConfirmed is not emitted for it', async () => {
    const command = order({ paymentToken: 'tok_decline', items: [{ sku: 'SKU-CABLE', qty: 1 }] });
    await harness.post(command);
    await harness.waitFor(command.orderId);
    await harness.cloud.idle();
    expect(await warehousePicks(harness, command.orderId)).toEqual([]);
    const flags = await flagsOf(harness).get(command.orderId);
    expect([
      flagOutcome(flags, 'charge-payment'),
      flagOutcome(flags, 'compensate-order'),
      flagOutcome(flags, 'reserve-inventory'),
    ]).toEqual(['failed:PaymentDeclinedError', 'succeeded', undefined]);
  });

  it('holds back a step whose predecessor is not done: an early PaymentCharged waits for the charge', async () => {
    const command = order({ items: [{ sku: 'SKU-MOUSE', qty: 1 }] });
    await harness.post(command);
    // Before the order is even validated, someone announces its payment.
    await putEvent(harness, eventBridge, 'PaymentCharged', { orderId: command.orderId });
    const done = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'] });
    await harness.cloud.idle();
    const forward = ['validate-order', 'charge-payment', 'reserve-inventory', 'send-confirmation'];
    const succeeded = (await harness.probe.order(command.orderId))?.timeline
      .filter((e) => e.outcome === 'succeeded' && forward.includes(e.step))
      .map((e) => e.step);
    // Reserved once, and only after the charge. (On a slow machine the early event may use up its
    // three attempts first and park the order FAILED; the real chain then resumes it.)
    expect(succeeded).toEqual(forward);
    expect(done.status).toBe('CONFIRMED');
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
  });

  it('charges once when a step event is delivered again after the order moved on', async () => {
    const command = order({ items: [{ sku: 'SKU-HEADSET', qty: 1 }] });
    await harness.post(command);
    await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'] });
    await putEvent(harness, eventBridge, 'OrderValidated', { orderId: command.orderId });
    await harness.cloud.idle();
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    expect((await harness.get(command.orderId)).body.status).toBe('CONFIRMED');
  });

  it(
    'parks an order FAILED with its failure record in the ' + 'DLQ when retries run out, and redrive completes it',
    async () => {
      const command = order({ paymentToken: EXHAUSTING_TOKEN, items: [{ sku: 'SKU-DOCK', qty: 1 }] });
      await harness.post(command);
      const failed = await harness.waitFor(command.orderId, { timeoutMs: 30_000 });
      expect(failed.status).toBe('FAILED');
      expect(failed.reason).toBe('TransientDependencyError@charge-payment');

      // Lambda sends the invocation record to the function's on-failure destination after its last retry.
      expect(await dlqsHolding(harness, command.orderId)).toEqual([expect.stringMatching(/charge-payment-dlq$/)]);
      expect(
        checkInvariants(await harness.probe.snapshot([command.orderId])).filter((v) => v.orderId === command.orderId),
      ).toEqual([]);

      const moved = await redriveEventBridge({
        sqs: harness.cloud.sqs,
        eventBridge,
        queuePrefix: `${harness.stack.service}-${harness.stack.stage}-`,
        eventBusName: harness.stack.resources.get('OrdersBus')?.ref ?? '',
      });
      expect(Object.values(moved).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      const recovered = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'], timeoutMs: 20_000 });
      expect(recovered.timeline.filter((e) => e.step === 'charge-payment' && e.outcome === 'failed')).toHaveLength(3);
      expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
      await harness.cloud.idle();
      expect(await warehousePicks(harness, command.orderId)).toHaveLength(1);
    },
  );
});
