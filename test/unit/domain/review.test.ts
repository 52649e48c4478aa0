import { OrderNotAwaitingReviewError, OrderNotFoundError, ValidationError } from '#domain/errors';
import { checkInvariants } from '#domain/invariants';
import type { OrderRecord, PlaceOrderCommand, ReviewDecision } from '#domain/order';
import { parseReviewCommand } from '#domain/parse-order';
import { DEFAULT_REVIEW_THRESHOLD_CENTS, needsReview, resumePending, type ReviewTimer } from '#domain/review';
import { StepOutOfOrderError } from '#domain/step-runner';
import { createTestDeps, type TestDeps } from '#test/helpers/in-memory-ports';
import { anOrder } from '#test/helpers/order-factory';

/** Sixteen monitors (526,400 cents): above the review threshold, below the credit limit. */
const bigOrder = (overrides: Partial<PlaceOrderCommand> = {}) =>
  anOrder({ items: [{ sku: 'SKU-MONITOR', qty: 16 }], ...overrides });

/** A timer that remembers what it started, as a schedule would. */
function recordingTimer(): ReviewTimer & { started: Array<{ orderId: string; at: Date }> } {
  const started: Array<{ orderId: string; at: Date }> = [];
  return {
    started,
    async start(order, at) {
      started.push({ orderId: order.orderId, at });
      return `review-timeout-${order.orderId}`;
    },
  };
}

/** Accepts and validates the order, then parks it as a variant does when validate says so. */
async function parked(t: TestDeps, command = bigOrder()): Promise<OrderRecord> {
  await t.steps.acceptOrder(command);
  const validated = await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
  expect(validated.awaitsReview).toBe(true);
  await t.steps.awaitReview({ orderId: command.orderId, attempt: 1 });
  return (await t.orders.get(command.orderId))!;
}

/** Runs the rest of the pipeline from charge-payment, as a variant resumed after an approval does. */
async function continueAfterApproval(t: TestDeps, orderId: string): Promise<OrderRecord> {
  for (const step of [t.steps.chargePayment, t.steps.reserveInventory, t.steps.sendConfirmation])
    await step({ orderId, attempt: 1 });
  return (await t.orders.get(orderId))!;
}

function snapshot(t: TestDeps, expectedReviews?: Map<string, ReviewDecision>) {
  return {
    acceptedOrderIds: t.orders.all().map((o) => o.orderId),
    orders: t.orders.all(),
    ledger: t.payments.ledger(),
    stock: t.inventory.snapshot(),
    parkedOrderIds: new Set<string>(),
    ...(expectedReviews ? { expectedReviews } : {}),
  };
}

describe('manual review: which orders wait', () => {
  it('flags only orders above the threshold, and the default threshold sits below the credit limit', () => {
    expect(needsReview(DEFAULT_REVIEW_THRESHOLD_CENTS)).toBe(false);
    expect(needsReview(DEFAULT_REVIEW_THRESHOLD_CENTS + 1)).toBe(true);
    expect(needsReview(undefined)).toBe(false);
    expect(DEFAULT_REVIEW_THRESHOLD_CENTS).toBeLessThan(1_000_000);
  });

  it('validates an ordinary order without asking for review', async () => {
    const t = createTestDeps();
    const command = anOrder();
    await t.steps.acceptOrder(command);
    const result = await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
    expect(result.status).toBe('VALIDATED');
    expect(result.awaitsReview).toBeUndefined();
  });

  it('rejects an order over the credit limit before any review', async () => {
    const t = createTestDeps();
    const command = anOrder({ items: [{ sku: 'SKU-MONITOR', qty: 31 }] });
    await t.steps.acceptOrder(command);
    await expect(t.steps.validateOrder({ orderId: command.orderId, attempt: 1 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('honours a configured threshold', async () => {
    const t = createTestDeps({ review: { thresholdCents: 10_000, timeoutSeconds: 60 } });
    const command = anOrder();
    await t.steps.acceptOrder(command);
    const result = await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
    expect(result.awaitsReview).toBe(true);
  });
});

describe('manual review: parking', () => {
  it('parks a big order AWAITING_REVIEW with its timeout and token, never charged', async () => {
    const timer = recordingTimer();
    const t = createTestDeps({
      reviewTimer: timer,
      review: { thresholdCents: DEFAULT_REVIEW_THRESHOLD_CENTS, timeoutSeconds: 30 },
    });
    const order = await parked(t);
    expect(order.status).toBe('AWAITING_REVIEW');
    expect(order.review).toEqual({
      requestedAt: expect.any(String),
      timeoutAt: expect.any(String),
      token: `review-timeout-${order.orderId}`,
    });
    expect(Date.parse(order.review!.timeoutAt) - Date.parse(order.review!.requestedAt)).toBe(30_000);
    expect(timer.started).toEqual([{ orderId: order.orderId, at: new Date(order.review!.timeoutAt) }]);
    expect(order.timeline.map((e) => e.step)).toEqual(['accept-order', 'validate-order', 'await-review']);
    expect(t.payments.chargeCalls(order.orderId)).toBe(0);
  });

  it('keeps the token the variant hands over (a task token) instead of starting a timer', async () => {
    const t = createTestDeps();
    const command = bigOrder();
    await t.steps.acceptOrder(command);
    await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
    await t.steps.awaitReview({ orderId: command.orderId, attempt: 1, token: 'task-token-1' });
    expect((await t.orders.get(command.orderId))?.review?.token).toBe('task-token-1');
  });

  it('parks once when the park step is delivered twice', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    const again = await t.steps.awaitReview({ orderId: order.orderId, attempt: 2 });
    expect(again).toMatchObject({ status: 'AWAITING_REVIEW', duplicate: true });
    expect((await t.orders.get(order.orderId))?.review).toEqual(order.review);
  });

  it('never parks an order that is not validated yet', async () => {
    const t = createTestDeps();
    const command = bigOrder();
    await t.steps.acceptOrder(command);
    await expect(t.steps.awaitReview({ orderId: command.orderId, attempt: 1 })).rejects.toBeInstanceOf(
      StepOutOfOrderError,
    );
  });

  it('does not charge a parked order when a charge message arrives anyway', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    const result = await t.steps.chargePayment({ orderId: order.orderId, attempt: 1 });
    expect(result).toMatchObject({ status: 'AWAITING_REVIEW', duplicate: true });
    expect(t.payments.chargeCalls(order.orderId)).toBe(0);
  });
});

describe('manual review: decisions', () => {
  it('approve takes the order back to VALIDATED, and the pipeline confirms it, charged once', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    const { order: decided, recorded } = await t.steps.reviewOrder(order.orderId, {
      decision: 'approve',
      reviewer: 'ada',
    });
    expect(recorded).toBe(true);
    expect(decided).toEqual(await t.orders.get(order.orderId));
    expect(decided.status).toBe('VALIDATED');
    expect(decided.review).toMatchObject({ decision: 'approve', reviewer: 'ada', decidedAt: expect.any(String) });
    expect(resumePending(decided)).toBe(true);
    const confirmed = await continueAfterApproval(t, order.orderId);
    expect(confirmed.status).toBe('CONFIRMED');
    expect(resumePending(confirmed)).toBe(false);
    expect(t.payments.chargesOf(order.orderId)).toHaveLength(1);
    expect(checkInvariants(snapshot(t, new Map([[order.orderId, 'approve']])))).toEqual([]);
  });

  it('reject cancels the order with ReviewRejected, never charged', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    const { order: decided } = await t.steps.reviewOrder(order.orderId, { decision: 'reject', reviewer: 'bob' });
    expect(decided).toMatchObject({ status: 'CANCELLED', reason: 'ReviewRejected', terminalAt: expect.any(String) });
    expect(await t.orders.get(order.orderId)).toEqual(decided);
    // A charge message that arrives late changes nothing.
    await t.steps.chargePayment({ orderId: order.orderId, attempt: 1 });
    expect(t.payments.chargeCalls(order.orderId)).toBe(0);
    expect(checkInvariants(snapshot(t, new Map([[order.orderId, 'reject']])))).toEqual([]);
  });

  it('the timeout cancels an undecided order with ReviewTimedOut', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    const result = await t.steps.compensateOrder({ orderId: order.orderId, attempt: 1, reason: 'ReviewTimedOut' });
    expect(result).toMatchObject({ status: 'CANCELLED', duplicate: false });
    const ended = (await t.orders.get(order.orderId))!;
    expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewTimedOut', review: { decision: 'timeout' } });
    expect(ended.timeline.at(-1)).toMatchObject({ step: 'time-out-review', outcome: 'succeeded' });
    expect(t.payments.chargeCalls(order.orderId)).toBe(0);
    expect(checkInvariants(snapshot(t, new Map([[order.orderId, 'timeout']])))).toEqual([]);
  });

  it('exactly one decision wins: a late timeout after an approval changes nothing', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    await t.steps.reviewOrder(order.orderId, { decision: 'approve', reviewer: 'ada' });
    const timeout = await t.steps.timeOutReview({ orderId: order.orderId, attempt: 1 });
    expect(timeout).toMatchObject({ status: 'VALIDATED', duplicate: true });
    expect((await t.orders.get(order.orderId))?.review?.decision).toBe('approve');
  });

  it('exactly one decision wins: a reviewer after the timeout gets the timeout back', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    await t.steps.timeOutReview({ orderId: order.orderId, attempt: 1 });
    const late = await t.steps.reviewOrder(order.orderId, { decision: 'approve', reviewer: 'ada' });
    expect(late.recorded).toBe(false);
    expect(late.order).toMatchObject({ status: 'CANCELLED', review: { decision: 'timeout' } });
    expect(resumePending(late.order)).toBe(false);
  });

  it('concurrent decisions: exactly one is recorded', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    const outcomes = await Promise.all([
      t.steps.reviewOrder(order.orderId, { decision: 'approve', reviewer: 'ada' }),
      t.steps.reviewOrder(order.orderId, { decision: 'reject', reviewer: 'bob' }),
      t.steps.timeOutReview({ orderId: order.orderId, attempt: 1 }),
    ]);
    const recorded = [outcomes[0].recorded, outcomes[1].recorded, !outcomes[2].duplicate];
    expect(recorded.filter(Boolean)).toHaveLength(1);
    // Approved: the variant continues it; rejected or timed out: it has ended.
    if ((await t.orders.get(order.orderId))?.status === 'VALIDATED') await continueAfterApproval(t, order.orderId);
    expect(checkInvariants(snapshot(t))).toEqual([]);
  });

  it('a second decision answers the first, and asks to resume again while nothing moved', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    await t.steps.reviewOrder(order.orderId, { decision: 'reject', reviewer: 'bob' });
    const second = await t.steps.reviewOrder(order.orderId, { decision: 'approve', reviewer: 'ada' });
    expect(second.recorded).toBe(false);
    expect(second.order.review).toMatchObject({ decision: 'reject', reviewer: 'bob' });
    expect(resumePending(second.order)).toBe(true);
  });

  it('refuses a decision on an order that is not waiting, and on an unknown one', async () => {
    const t = createTestDeps();
    const command = anOrder();
    await t.steps.acceptOrder(command);
    await expect(t.steps.reviewOrder(command.orderId, { decision: 'approve', reviewer: 'ada' })).rejects.toMatchObject(
      new OrderNotAwaitingReviewError(command.orderId, 'ACCEPTED'),
    );
    await expect(t.steps.reviewOrder('nobody', { decision: 'approve', reviewer: 'ada' })).rejects.toBeInstanceOf(
      OrderNotFoundError,
    );
  });

  it('an early timeout (the order is not parked yet) is retried, never dropped', async () => {
    const t = createTestDeps();
    const command = bigOrder();
    await t.steps.acceptOrder(command);
    await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
    await expect(t.steps.timeOutReview({ orderId: command.orderId, attempt: 1 })).rejects.toBeInstanceOf(
      StepOutOfOrderError,
    );
  });

  it('a repeated validate delivery of an approved order lets it go on instead of parking it again', async () => {
    const t = createTestDeps();
    const order = await parked(t);
    await t.steps.reviewOrder(order.orderId, { decision: 'approve', reviewer: 'ada' });
    const again = await t.steps.validateOrder({ orderId: order.orderId, attempt: 2 });
    expect(again).toMatchObject({ status: 'VALIDATED', duplicate: true });
    expect(again.awaitsReview).toBeUndefined();
    const repark = await t.steps.awaitReview({ orderId: order.orderId, attempt: 2 });
    expect(repark).toMatchObject({ status: 'VALIDATED', duplicate: true });
  });
});

describe('manual review: the request body', () => {
  it('takes a decision and a reviewer', () => {
    expect(parseReviewCommand({ decision: 'reject', reviewer: 'ada' })).toEqual({
      decision: 'reject',
      reviewer: 'ada',
    });
  });

  it.each([
    ['a bad decision', { decision: 'maybe', reviewer: 'ada' }, ['decision']],
    ['the timeout, which is not a client decision', { decision: 'timeout', reviewer: 'ada' }, ['decision']],
    ['no reviewer', { decision: 'approve' }, ['reviewer']],
    ['an empty reviewer', { decision: 'approve', reviewer: ' ' }, ['reviewer']],
    ['a reviewer too long', { decision: 'approve', reviewer: 'x'.repeat(129) }, ['reviewer']],
    ['a reviewer that is not a string', { decision: 'approve', reviewer: 7 }, ['reviewer']],
    ['an unknown field', { decision: 'approve', reviewer: 'ada', note: 'ok' }, ['note']],
    ['nothing', {}, ['decision', 'reviewer']],
    ['an array', [], ['body']],
  ])('names the field for %s', (_name, body, fields) => {
    let error: unknown;
    try {
      parseReviewCommand(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.field)).toEqual(fields);
  });
});

describe('manual review: invariants', () => {
  it('flags a rejected order that was charged, and one that ended undecided', () => {
    const t = createTestDeps();
    const at = '2024-05-01T12:00:00.000Z';
    const rejectedButCharged: OrderRecord = {
      ...baseRecord('r-1'),
      status: 'CANCELLED',
      reason: 'ReviewRejected',
      review: { requestedAt: at, timeoutAt: at, decision: 'reject', reviewer: 'bob', decidedAt: at },
    };
    const undecided: OrderRecord = {
      ...baseRecord('r-2'),
      status: 'CONFIRMED',
      review: { requestedAt: at, timeoutAt: at },
    };
    const rules = checkInvariants({
      ...snapshot(t),
      acceptedOrderIds: ['r-1', 'r-2'],
      orders: [rejectedButCharged, undecided],
      ledger: [{ orderId: 'r-1', kind: 'charge', id: 'ch', amountCents: 1 }],
      expectedReviews: new Map<string, ReviewDecision>([
        ['r-1', 'reject'],
        ['r-2', 'approve'],
      ]),
    }).map((v) => `${v.rule}:${v.orderId}`);
    expect(rules).toEqual(
      expect.arrayContaining(['charged-without-approval:r-1', 'review-outcome:r-2', 'review-expectation:r-2']),
    );
  });

  it('flags a review order that never waited', async () => {
    const t = createTestDeps();
    const command = bigOrder();
    await t.steps.acceptOrder(command);
    const rules = checkInvariants(snapshot(t, new Map([[command.orderId, 'timeout']]))).map((v) => v.rule);
    expect(rules).toContain('review-expectation');
  });
});

function baseRecord(orderId: string): OrderRecord {
  const command = bigOrder({ orderId });
  return {
    orderId,
    command,
    requestHash: 'h',
    status: 'ACCEPTED',
    correlationId: 'c',
    createdAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:00.000Z',
    totalCents: 526_400,
    timeline: [],
  };
}
