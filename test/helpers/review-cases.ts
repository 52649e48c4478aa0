import { checkInvariants } from '#domain/invariants';
import type { OrderRecord, ReviewDecision } from '#domain/order';
import { order, type VariantHarness } from './variant-harness.ts';

/**
 * The manual-review cases every variant passes through its real API (issue 13): an order above
 * the review threshold parks AWAITING_REVIEW; approve ends CONFIRMED charged once, reject ends
 * CANCELLED (ReviewRejected) never charged, no decision ends CANCELLED (ReviewTimedOut) after the
 * configured timeout; a second decision answers 409 with the first; a decision on an order that
 * is not waiting answers 409; a bad body 400 naming the field; an unknown order 404. Each waits
 * on what a client sees (GET), never on a sleep. A variant's test file calls
 * `describeReviewCases(() => harness)` with its harness deployed with a short timeout
 * (`REVIEW_TEST_PARAMS`).
 */

/** Deploy params for a review test: a timeout short enough to wait for, long enough to decide first. */
export const REVIEW_TEST_TIMEOUT_SECONDS = 3;
export const REVIEW_TEST_PARAMS = { reviewTimeoutSeconds: String(REVIEW_TEST_TIMEOUT_SECONDS) };

/** Sixteen monitors: 526,400 cents, above the default review threshold and below the credit limit. */
export function aReviewOrder() {
  return order({ items: [{ sku: 'SKU-MONITOR', qty: 16 }] });
}

/** Places a review order and waits until GET shows it AWAITING_REVIEW. */
export async function placeAndPark(harness: VariantHarness): Promise<OrderRecord> {
  const command = aReviewOrder();
  expect((await harness.post(command)).status).toBe(202);
  return harness.waitFor(command.orderId, { statuses: ['AWAITING_REVIEW'] });
}

async function expectSound(harness: VariantHarness, orderId: string, expected: ReviewDecision): Promise<void> {
  const violations = checkInvariants(
    await harness.probe.snapshot([orderId], { expectedReviews: new Map([[orderId, expected]]) }),
  ).filter((v) => v.orderId === orderId);
  expect(violations).toEqual([]);
}

export function describeReviewCases(harnessOf: () => VariantHarness): void {
  describe('manual review through the API', () => {
    it('parks a big order AWAITING_REVIEW, uncharged, and shows its review on GET', async () => {
      const harness = harnessOf();
      const parked = await placeAndPark(harness);
      const { body } = await harness.get(parked.orderId);
      expect(body).toMatchObject({
        status: 'AWAITING_REVIEW',
        review: { requestedAt: expect.any(String), timeoutAt: expect.any(String) },
      });
      expect((body.review as Record<string, unknown>).token).toBeUndefined();
      expect(await harness.probe.ledger(parked.orderId)).toEqual([]);
      // Decided so that it does not time out behind the next tests.
      expect((await harness.review(parked.orderId, { decision: 'reject', reviewer: 'cleanup' })).status).toBe(202);
    });

    it('approve: the order ends CONFIRMED, charged once', async () => {
      const harness = harnessOf();
      const parked = await placeAndPark(harness);
      const decided = await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' });
      expect(decided).toEqual({
        status: 202,
        body: { orderId: parked.orderId, decision: 'approve', reviewer: 'ada', status: 'VALIDATED' },
      });
      const ended = await harness.waitFor(parked.orderId);
      expect(ended.status).toBe('CONFIRMED');
      expect((await harness.probe.ledger(parked.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
      await expectSound(harness, parked.orderId, 'approve');
    });

    it('reject: the order ends CANCELLED (ReviewRejected), never charged', async () => {
      const harness = harnessOf();
      const parked = await placeAndPark(harness);
      expect((await harness.review(parked.orderId, { decision: 'reject', reviewer: 'bob' })).status).toBe(202);
      const ended = await harness.waitFor(parked.orderId);
      expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewRejected' });
      await harness.cloud.idle();
      expect(await harness.probe.ledger(parked.orderId)).toEqual([]);
      await expectSound(harness, parked.orderId, 'reject');
    });

    it('no decision: the order ends CANCELLED (ReviewTimedOut) once the timeout passes', async () => {
      const harness = harnessOf();
      const parked = await placeAndPark(harness);
      const ended = await harness.waitFor(parked.orderId, { timeoutMs: 60_000 });
      expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewTimedOut', review: { decision: 'timeout' } });
      expect(Date.parse(ended.terminalAt ?? '')).toBeGreaterThanOrEqual(Date.parse(parked.review?.timeoutAt ?? ''));
      expect(await harness.probe.ledger(parked.orderId)).toEqual([]);
      await expectSound(harness, parked.orderId, 'timeout');
      // A reviewer who comes too late is told what happened.
      const late = await harness.review(parked.orderId, { decision: 'approve', reviewer: 'late' });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: 'ReviewAlreadyDecided', decision: { decision: 'timeout' } });
    });

    it('a second decision answers 409 with the first, and changes nothing', async () => {
      const harness = harnessOf();
      const parked = await placeAndPark(harness);
      expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
      await harness.waitFor(parked.orderId);
      const second = await harness.review(parked.orderId, { decision: 'reject', reviewer: 'bob' });
      expect(second).toEqual({
        status: 409,
        body: {
          error: 'ReviewAlreadyDecided',
          message: expect.any(String),
          decision: { decision: 'approve', reviewer: 'ada', decidedAt: expect.any(String) },
        },
      });
      await harness.cloud.idle();
      expect((await harness.probe.order(parked.orderId))?.status).toBe('CONFIRMED');
      expect((await harness.probe.ledger(parked.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    });

    it('a decision on an order that is not waiting answers 409 with its status', async () => {
      const harness = harnessOf();
      const command = order();
      await harness.post(command);
      await harness.waitFor(command.orderId);
      const decided = await harness.review(command.orderId, { decision: 'approve', reviewer: 'ada' });
      expect(decided).toEqual({
        status: 409,
        body: { error: 'OrderNotAwaitingReview', message: expect.any(String), status: 'CONFIRMED' },
      });
    });

    it('a bad body answers 400 naming the field, and an unknown order 404', async () => {
      const harness = harnessOf();
      const parked = await placeAndPark(harness);
      const cases: Array<[unknown, string[]]> = [
        ['{"decision": ', ['body']],
        [{ decision: 'maybe', reviewer: 'ada' }, ['decision']],
        [{ decision: 'approve' }, ['reviewer']],
        [{ decision: 'approve', reviewer: 'ada', extra: 1 }, ['extra']],
      ];
      for (const [body, fields] of cases) {
        const answer = await harness.review(parked.orderId, body);
        expect({ body, status: answer.status }).toEqual({ body, status: 400 });
        expect((answer.body.issues as Array<{ field: string }>).map((i) => i.field)).toEqual(fields);
      }
      expect((await harness.probe.order(parked.orderId))?.status).toBe('AWAITING_REVIEW');
      const unknown = await harness.review('never-placed-0', { decision: 'approve', reviewer: 'ada' });
      expect(unknown.status).toBe(404);
      expect((await harness.review(parked.orderId, { decision: 'reject', reviewer: 'cleanup' })).status).toBe(202);
    });
  });
}
