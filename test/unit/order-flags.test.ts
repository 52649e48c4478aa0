import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDocumentClient } from '#adapters/clients';
import { DynamoOrderFlags, flagOutcome, type ClaimRequest } from '#services/eventbridge-flags/lib/dynamo-order-flags';
import { startLocalCloud, type LocalCloud } from '#cloud/cloud';

/**
 * The per-order flags of eventbridge-flags against the local cloud (dynalite) through the real
 * AWS SDK: every decision is one conditional write, so these are the rules the handlers rely on.
 */
const TABLE = 'order-flags-test';
let cloud: LocalCloud;
let clock = 1_000_000;
let flags: DynamoOrderFlags;
let seq = 0;

const request = (orderId: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  orderId,
  step: 'charge-payment',
  after: 'validate-order',
  eventId: 'evt-1',
  maxAttempts: 3,
  leaseMs: 5_000,
  ...overrides,
});

/** An order whose validate-order flag is already set (the usual state when OrderValidated arrives). */
async function validatedOrder(): Promise<string> {
  const orderId = `flags-${++seq}`;
  const claim = await flags.claim(request(orderId, { step: 'validate-order', after: undefined }));
  if (claim.kind !== 'claimed') throw new Error(`setup: ${claim.kind}`);
  await flags.settle(orderId, 'validate-order', 'succeeded');
  return orderId;
}

/** Takes a claim the test needs as its starting point. */
async function claimed(req: ClaimRequest) {
  const claim = await flags.claim(req);
  if (claim.kind !== 'claimed') throw new Error(`setup: ${claim.kind}`);
  return claim;
}

/** reserve-inventory's delivery of PaymentCharged: the step after charge-payment. */
const reserveRequest = (orderId: string) =>
  request(orderId, { step: 'reserve-inventory', after: 'charge-payment', eventId: 'evt-2' });

beforeAll(async () => {
  cloud = await startLocalCloud({ ports: { dynamodb: 0, sqs: 0, lambda: 0 }, optional: [] });
  await cloud.dynamo.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
    }),
  );
  flags = new DynamoOrderFlags({
    tableName: TABLE,
    client: createDynamoDocumentClient({ config: cloud.awsConfig, metered: false }),
    now: () => clock,
  });
});

afterAll(async () => {
  await cloud?.stop();
});

describe('DynamoOrderFlags', () => {
  it('lets a step run once its predecessor is done, as attempt 1', async () => {
    const orderId = await validatedOrder();
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'claimed', attempt: 1, token: expect.any(String) });
  });

  it('turns a delivery after the outcome into a no-op, and says whether its event went out', async () => {
    const orderId = await validatedOrder();
    await flags.claim(request(orderId));
    await flags.settle(orderId, 'charge-payment', 'succeeded');
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'settled', outcome: 'succeeded', emitted: false });
    await flags.markEmitted(orderId, 'charge-payment');
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'settled', outcome: 'succeeded', emitted: true });
  });

  it("acknowledges the predecessor's event in the successor's claim: a copy of it is then a no-op", async () => {
    const orderId = `flags-${++seq}`;
    const validate = request(orderId, { step: 'validate-order', after: undefined });
    const held = await flags.claim(validate);
    if (held.kind !== 'claimed') throw new Error(`setup: ${held.kind}`);
    // Settled with the claim kept while OrderValidated is put: a copy of OrderPlaced does nothing.
    await flags.settle(orderId, 'validate-order', 'succeeded', { keepClaim: true });
    expect(await flags.claim({ ...validate, eventId: 'evt-copy' })).toEqual({
      kind: 'handing-on',
      outcome: 'succeeded',
    });
    // OrderValidated arrives: charge-payment's claim marks validate-order's event put and frees its claim.
    expect(await flags.claim(request(orderId))).toMatchObject({ kind: 'claimed', attempt: 1 });
    expect(await flags.claim({ ...validate, eventId: 'evt-copy' })).toEqual({
      kind: 'settled',
      outcome: 'succeeded',
      emitted: true,
    });
  });

  it("records a step's success in its successor's claim, from the claim token its event carries", async () => {
    const orderId = await validatedOrder();
    const charge = await claimed(request(orderId, { invocationId: 'req-charge' }));
    // charge-payment ran and put PaymentCharged with its token; it wrote no flag of its own.
    expect(flagOutcome(await flags.get(orderId), 'charge-payment')).toBeUndefined();
    const reserve = reserveRequest(orderId);
    expect(await flags.claim({ ...reserve, handOff: charge.token })).toMatchObject({ kind: 'claimed', attempt: 1 });
    const item = await flags.get(orderId);
    expect(flagOutcome(item, 'charge-payment')).toBe('succeeded');
    expect(item?.['emitted:charge-payment']).toBeDefined();
    expect(item?.['claim:charge-payment']).toBeUndefined();
    // A late copy of OrderValidated now finds charge-payment done and its event out: a no-op.
    expect(await flags.claim(request(orderId, { invocationId: 'req-copy' }))).toEqual({
      kind: 'settled',
      outcome: 'succeeded',
      emitted: true,
    });
  });

  it('holds back an event whose hand-off token is not the live claim: nothing proves its step ran', async () => {
    const orderId = await validatedOrder();
    const charge = await claimed(request(orderId, { invocationId: 'req-a' }));
    const reserve = reserveRequest(orderId);
    // Someone else's PaymentCharged while the charge still runs, with no token or a wrong one.
    expect(await flags.claim(reserve)).toEqual({ kind: 'early', attempt: 1 });
    expect(await flags.claim({ ...reserve, handOff: 'evt-1/req-forged' })).toEqual({ kind: 'early', attempt: 2 });
    expect(flagOutcome(await flags.get(orderId), 'charge-payment')).toBeUndefined();
    // The holder's lease lapses and a copy takes the step over: the first holder's token proves nothing now.
    clock += 5_001;
    const again = await flags.claim(request(orderId, { invocationId: 'req-b' }));
    expect(again).toMatchObject({ kind: 'claimed', attempt: 2 });
    expect(await flags.claim({ ...reserve, eventId: 'evt-3', handOff: charge.token })).toEqual({
      kind: 'early',
      attempt: 1,
    });
    if (again.kind !== 'claimed') throw new Error(again.kind);
    expect(await flags.claim({ ...reserve, eventId: 'evt-4', handOff: again.token })).toMatchObject({
      kind: 'claimed',
    });
  });

  it("lets an invocation's retry (same request id) take over its crashed attempt's claim at once", async () => {
    const orderId = await validatedOrder();
    expect(await flags.claim(request(orderId, { invocationId: 'req-1' }))).toMatchObject({
      kind: 'claimed',
      attempt: 1,
    });
    // A duplicate delivery (its own request id) while the lease is live: nothing for it to do.
    expect(await flags.claim(request(orderId, { invocationId: 'req-2' }))).toEqual({ kind: 'busy' });
    // The first attempt crashed; Lambda retries it under the same request id, before the lease lapses.
    expect(await flags.claim(request(orderId, { invocationId: 'req-1' }))).toMatchObject({
      kind: 'claimed',
      attempt: 2,
    });
    // A delivery of another event (a redrive) meanwhile is told to come back, not dropped.
    expect(await flags.claim(request(orderId, { eventId: 'evt-redriven', invocationId: 'req-3' }))).toEqual({
      kind: 'contended',
    });
  });

  it('holds back an early delivery, counts it as an attempt and leaves the claim free', async () => {
    const orderId = `flags-${++seq}`;
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'early', attempt: 1 });
    await flags.claim(request(orderId, { step: 'validate-order', after: undefined }));
    await flags.settle(orderId, 'validate-order', 'succeeded');
    expect(await flags.claim(request(orderId))).toMatchObject({ kind: 'claimed', attempt: 2 });
  });

  it('never runs the successor of a business failure', async () => {
    const orderId = `flags-${++seq}`;
    await flags.claim(request(orderId, { step: 'validate-order', after: undefined }));
    await flags.settle(orderId, 'validate-order', 'failed:ValidationError');
    expect(await flags.claim(request(orderId))).toMatchObject({ kind: 'early' });
  });

  it('keeps a second copy out while the first runs, until the claim is released or its lease lapses', async () => {
    const orderId = await validatedOrder();
    const first = await flags.claim(request(orderId));
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'busy' });
    if (first.kind !== 'claimed') throw new Error(first.kind);
    await flags.release(orderId, 'charge-payment', 'someone-else');
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'busy' });
    clock += 5_001; // the holder died: its lease runs out
    expect(await flags.claim(request(orderId))).toMatchObject({ kind: 'claimed', attempt: 2 });
  });

  it('tells a copy that arrives while the holder puts its event to do nothing, and never makes it wait', async () => {
    const orderId = await validatedOrder();
    const holder = await flags.claim(request(orderId));
    if (holder.kind !== 'claimed') throw new Error(holder.kind);
    await flags.settle(orderId, 'charge-payment', 'failed:PaymentDeclinedError', { keepClaim: true });
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'handing-on', outcome: 'failed:PaymentDeclinedError' });
    await flags.markEmitted(orderId, 'charge-payment');
    expect(await flags.claim(request(orderId))).toEqual({
      kind: 'settled',
      outcome: 'failed:PaymentDeclinedError',
      emitted: true,
    });
  });

  it('lets a copy put the event when the holder gave its claim back after a failed put', async () => {
    const orderId = await validatedOrder();
    const holder = await flags.claim(request(orderId));
    if (holder.kind !== 'claimed') throw new Error(holder.kind);
    await flags.settle(orderId, 'charge-payment', 'succeeded', { keepClaim: true });
    await flags.release(orderId, 'charge-payment', holder.token);
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'settled', outcome: 'succeeded', emitted: false });
  });

  it('refuses a fourth attempt of the same event but gives a redriven event (new id) a fresh budget', async () => {
    const orderId = await validatedOrder();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claim = await flags.claim(request(orderId));
      expect(claim).toMatchObject({ kind: 'claimed', attempt });
      if (claim.kind === 'claimed') await flags.release(orderId, 'charge-payment', claim.token);
    }
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'exhausted', attempts: 3 });
    expect(await flags.claim(request(orderId, { eventId: 'evt-redriven' }))).toMatchObject({
      kind: 'claimed',
      attempt: 1,
    });
  });

  it('keeps the first outcome when two runs settle', async () => {
    const orderId = await validatedOrder();
    expect(await flags.settle(orderId, 'charge-payment', 'succeeded')).toBe('succeeded');
    expect(await flags.settle(orderId, 'charge-payment', 'failed:PaymentDeclinedError')).toBe('succeeded');
    expect(flagOutcome(await flags.get(orderId), 'charge-payment')).toBe('succeeded');
  });
});

describe('DynamoOrderFlags, an order waiting for review', () => {
  /** validate-order settled awaiting-review: the order parked AWAITING_REVIEW. */
  async function parkedOrder(): Promise<string> {
    const orderId = `flags-${++seq}`;
    const claim = await flags.claim(request(orderId, { step: 'validate-order', after: undefined }));
    if (claim.kind !== 'claimed') throw new Error(`setup: ${claim.kind}`);
    await flags.settle(orderId, 'validate-order', 'awaiting-review');
    return orderId;
  }

  it('treats the waiting validate step as settled, but holds its successor back until the decision', async () => {
    const orderId = await parkedOrder();
    const validate = request(orderId, { step: 'validate-order', after: undefined, eventId: 'evt-copy' });
    expect(await flags.claim(validate)).toEqual({ kind: 'settled', outcome: 'awaiting-review', emitted: false });
    expect(await flags.claim(request(orderId))).toEqual({ kind: 'early', attempt: 1 });
    expect(await flags.resolve(orderId, 'validate-order', 'succeeded')).toEqual({
      outcome: 'succeeded',
      emitted: false,
    });
    expect(await flags.claim(request(orderId, { eventId: 'evt-2' }))).toMatchObject({ kind: 'claimed', attempt: 1 });
  });

  it('keeps the first resolution: a later resolver gets it back, with whether its event is out', async () => {
    const orderId = await parkedOrder();
    await flags.resolve(orderId, 'validate-order', 'failed:ReviewRejected');
    expect(await flags.resolve(orderId, 'validate-order', 'succeeded')).toEqual({
      outcome: 'failed:ReviewRejected',
      emitted: false,
    });
    await flags.markEmitted(orderId, 'validate-order');
    expect(await flags.resolve(orderId, 'validate-order', 'failed:ReviewTimedOut')).toEqual({
      outcome: 'failed:ReviewRejected',
      emitted: true,
    });
  });

  it('resolves a validate step that parked its order but has not settled yet; its own settle then finds the decision', async () => {
    const orderId = `flags-${++seq}`;
    await flags.claim(request(orderId, { step: 'validate-order', after: undefined }));
    expect((await flags.resolve(orderId, 'validate-order', 'succeeded')).outcome).toBe('succeeded');
    expect(await flags.settle(orderId, 'validate-order', 'awaiting-review')).toBe('succeeded');
  });

  it('never resolves a step that settled otherwise', async () => {
    const orderId = await validatedOrder();
    expect(await flags.resolve(orderId, 'validate-order', 'failed:ReviewTimedOut')).toEqual({
      outcome: 'succeeded',
      emitted: false,
    });
  });
});
