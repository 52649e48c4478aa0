import { REVIEW_TEST_PARAMS } from '#test/helpers/review-cases';
import { type OfflineService, startOffline, waitForTerminal } from '#test/helpers/sls-offline';

/**
 * The review acceptance through `sls offline start` (serverless-offline's HTTP API, the local
 * cloud behind it with its EventBridge Scheduler), as a user runs it with a short timeout:
 * `npx sls offline start --stage local --param="reviewTimeoutSeconds=3"`.
 */
let offline: OfflineService;

beforeAll(async () => {
  offline = await startOffline('sqs-chain', { params: REVIEW_TEST_PARAMS });
}, 120_000);

afterAll(async () => {
  await offline?.stop();
});

const ids: string[] = [];
async function placeReviewOrder(): Promise<string> {
  const orderId = `offline-review-${process.pid}-${ids.length}`;
  ids.push(orderId);
  const response = await fetch(`${offline.target}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      orderId,
      customerId: 'c-42',
      email: 'ada@example.com',
      currency: 'EUR',
      paymentToken: 'tok_ok',
      items: [{ sku: 'SKU-MONITOR', qty: 16 }],
    }),
  });
  expect(response.status).toBe(202);
  // GET shows it waiting (a cap for a hung run only).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${offline.target}/orders/${orderId}`)).json()) as { status: string };
    if (body.status === 'AWAITING_REVIEW') return orderId;
    if (Date.now() > deadline) throw new Error(`order ${orderId} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const review = (orderId: string, decision: string) =>
  fetch(`${offline.target}/orders/${orderId}/review`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision, reviewer: 'ada' }),
  });

const charges = (order: Record<string, unknown>) =>
  (order.timeline as Array<{ step: string; outcome: string }>).filter(
    (e) => e.step === 'charge-payment' && e.outcome === 'succeeded',
  ).length;

describe('sqs-chain under sls offline: an order that waits for review', () => {
  it('approve ends CONFIRMED, charged once; a second decision answers 409', async () => {
    const orderId = await placeReviewOrder();
    expect((await review(orderId, 'approve')).status).toBe(202);
    const ended = await waitForTerminal(offline.target, orderId);
    expect(ended.status).toBe('CONFIRMED');
    expect(charges(ended)).toBe(1);
    const second = await review(orderId, 'reject');
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: 'ReviewAlreadyDecided', decision: { decision: 'approve' } });
  }, 120_000);

  it('reject ends CANCELLED (ReviewRejected), never charged', async () => {
    const orderId = await placeReviewOrder();
    expect((await review(orderId, 'reject')).status).toBe(202);
    const ended = await waitForTerminal(offline.target, orderId);
    expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewRejected' });
    expect(charges(ended)).toBe(0);
  }, 120_000);

  it('no decision ends CANCELLED (ReviewTimedOut) within the configured timeout', async () => {
    const orderId = await placeReviewOrder();
    const ended = await waitForTerminal(offline.target, orderId);
    expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewTimedOut' });
    expect(charges(ended)).toBe(0);
  }, 120_000);
});
