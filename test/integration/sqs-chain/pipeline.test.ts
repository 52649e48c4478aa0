import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { checkInvariants } from '#domain/invariants';
import { findRedrivePairs, redriveQueues } from '#lib/redrive';
import { EXHAUSTING_TOKEN, PATH_CASES } from '#test/helpers/path-cases';
import { dlqsHolding, runPathCase } from '#test/helpers/path-assertions';
import { order, startVariant, type VariantHarness } from '#test/helpers/variant-harness';

let harness: VariantHarness;

beforeAll(async () => {
  harness = await startVariant('sqs-chain');
});

afterAll(async () => {
  await harness?.stop();
});

describe('sqs-chain: the shared paths', () => {
  it.each(PATH_CASES.map((c) => [c.name, c] as const))('%s', async (_name, pathCase) => {
    await runPathCase(harness, pathCase);
  });
});

describe('sqs-chain: delivery semantics', () => {
  it('charges once when the same message is delivered twice', async () => {
    const command = order({ items: [{ sku: 'SKU-HEADSET', qty: 1 }] });
    await harness.post(command);
    await harness.waitFor(command.orderId);
    // An operator (or SQS at-least-once delivery) sends the charge message again by hand.
    const chargeQueue = harness.stack.resources.get('ChargePaymentQueue')?.ref ?? '';
    await harness.cloud.sqs.send(
      new SendMessageCommand({ QueueUrl: chargeQueue, MessageBody: JSON.stringify({ orderId: command.orderId }) }),
    );
    // idle() waits for the queued message to be consumed: no fixed sleep.
    await harness.cloud.idle();
    const ledger = await harness.probe.ledger(command.orderId);
    expect(ledger.filter((e) => e.kind === 'charge')).toHaveLength(1);
    const { body } = await harness.get(command.orderId);
    expect(body.status).toBe('CONFIRMED');
    const timeline = body.timeline as Array<{ step: string; outcome: string }>;
    expect(timeline.filter((e) => e.step === 'charge-payment' && e.outcome === 'duplicate')).toHaveLength(1);
  });

  it('parks an order FAILED with its message in the DLQ when retries run out, and redrive completes it', async () => {
    const command = order({ paymentToken: EXHAUSTING_TOKEN, items: [{ sku: 'SKU-DOCK', qty: 1 }] });
    await harness.post(command);
    const failed = await harness.waitFor(command.orderId, { timeoutMs: 30_000 });
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toBe('TransientDependencyError@charge-payment');

    // The message reaches the charge-payment DLQ on the next receive.
    expect(await dlqsHolding(harness, command.orderId)).toEqual([expect.stringMatching(/charge-payment-dlq$/)]);
    expect(
      checkInvariants(await harness.probe.snapshot([command.orderId])).filter((v) => v.orderId === command.orderId),
    ).toEqual([]);

    const pairs = await findRedrivePairs(harness.cloud.sqs, `${harness.stack.service}-${harness.stack.stage}-`);
    const moved = await redriveQueues(harness.cloud.sqs, pairs);
    expect(Object.values(moved).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    const recovered = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'], timeoutMs: 20_000 });
    expect(recovered.timeline.filter((e) => e.step === 'charge-payment' && e.outcome === 'failed')).toHaveLength(3);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
  });
});
