import type { PlaceOrderCommand } from '#domain/order';
import { DEFAULT_REVIEW_TIMEOUT_SECONDS } from '#domain/review';
import { createTestDeps, type TestDeps } from '#test/helpers/in-memory-ports';
import { anOrder } from '#test/helpers/order-factory';

/**
 * The park step as the callback variants use it (step-functions' task token, durable-functions'
 * callback id): the token the mechanism hands over is stored, a retried callback task's newer
 * token replaces it while nobody has decided, and the timeout counts from when the mechanism
 * started waiting.
 */
const bigOrder = (overrides: Partial<PlaceOrderCommand> = {}) =>
  anOrder({ items: [{ sku: 'SKU-MONITOR', qty: 16 }], ...overrides });

async function validated(t: TestDeps): Promise<string> {
  const command = bigOrder();
  await t.steps.acceptOrder(command);
  expect((await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 })).awaitsReview).toBe(true);
  return command.orderId;
}

describe('await-review with a token from the variant', () => {
  it('stores the token, and a retried task with a newer token replaces it', async () => {
    const t = createTestDeps();
    const orderId = await validated(t);
    await t.steps.awaitReview({ orderId, attempt: 1, token: 'token-1' });
    const again = await t.steps.awaitReview({ orderId, attempt: 2, token: 'token-2' });
    expect(again).toMatchObject({ status: 'AWAITING_REVIEW', duplicate: true });
    const order = await t.orders.get(orderId);
    expect(order?.review?.token).toBe('token-2');
    // Parked once: the first entry is the park, the renewal a duplicate entry.
    expect(order?.timeline.filter((e) => e.step === 'await-review').map((e) => e.outcome)).toEqual([
      'succeeded',
      'duplicate',
    ]);
  });

  it('keeps the token of a decided order: a late retry changes nothing', async () => {
    const t = createTestDeps();
    const orderId = await validated(t);
    await t.steps.awaitReview({ orderId, attempt: 1, token: 'token-1' });
    await t.steps.reviewOrder(orderId, { decision: 'reject', reviewer: 'ada' });
    await t.steps.awaitReview({ orderId, attempt: 2, token: 'token-2' });
    const order = await t.orders.get(orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'ReviewRejected', review: { token: 'token-1' } });
  });

  it('counts the timeout from when the mechanism started waiting', async () => {
    const t = createTestDeps();
    const orderId = await validated(t);
    const since = new Date(Date.now() - 5_000).toISOString();
    await t.steps.awaitReview({ orderId, attempt: 1, token: 'token-1', waitingSince: since });
    const review = (await t.orders.get(orderId))?.review;
    expect(review?.requestedAt).toBe(since);
    expect(Date.parse(review?.timeoutAt ?? '')).toBe(Date.parse(since) + DEFAULT_REVIEW_TIMEOUT_SECONDS * 1000);
  });
});
