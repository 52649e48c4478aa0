import { createCatalog } from '#domain/catalog';
import { priceOrder } from '#domain/price-order';
import { needsReview } from '#domain/review';
import { DEFAULT_MAX_ORDER_TOTAL_CENTS } from '#domain/validate-order';
import { parseComparisonArgs } from '#lib/cli-options';
import {
  DEFAULT_WORKLOAD,
  EXPECTED_TERMINAL,
  expectedReviews,
  generateWorkload,
  REVIEWER_DELAY_MS,
  reviewDecisionOf,
} from '#lib/workload';

const catalog = createCatalog();
const totalOf = (items: { sku: string; qty: number }[]) => priceOrder(items, catalog).totalCents;

describe('workload: review orders', () => {
  const options = {
    ...DEFAULT_WORKLOAD,
    orders: 2000,
    reviewRate: 0.1,
    reviewRejectRate: 0.25,
    reviewTimeoutRate: 0.2,
    runId: 'w',
  };
  const workload = generateWorkload(options);
  const reviews = workload.filter((o) => o.review);

  it('places about the review share, each above the review threshold and below the credit limit', () => {
    expect(reviews.length / workload.length).toBeGreaterThan(0.08);
    expect(reviews.length / workload.length).toBeLessThan(0.12);
    for (const order of reviews) {
      const total = totalOf(order.command.items);
      expect(needsReview(total)).toBe(true);
      expect(total).toBeLessThanOrEqual(DEFAULT_MAX_ORDER_TOTAL_CENTS);
      expect(order.command.paymentToken).toBe('tok_ok');
    }
  });

  it('no other kind of order crosses the review threshold', () => {
    for (const order of workload.filter((o) => !o.review && o.kind !== 'reject'))
      expect({ id: order.command.orderId, review: needsReview(totalOf(order.command.items)) }).toEqual({
        id: order.command.orderId,
        review: false,
      });
  });

  it('seeds each decision and delay, shares as asked, the delay inside its bounds', () => {
    expect(generateWorkload(options)).toEqual(workload);
    const share = (kind: string) => reviews.filter((o) => o.kind === kind).length / reviews.length;
    expect(share('review-timeout')).toBeGreaterThan(0.12);
    expect(share('review-timeout')).toBeLessThan(0.28);
    expect(share('review-reject')).toBeGreaterThan(0.17);
    expect(share('review-reject')).toBeLessThan(0.33);
    for (const order of reviews) {
      expect(order.review!.decision).toBe(reviewDecisionOf(order.kind));
      expect(order.review!.delayMs).toBeGreaterThanOrEqual(REVIEWER_DELAY_MS.min);
      expect(order.review!.delayMs).toBeLessThan(REVIEWER_DELAY_MS.max);
    }
    expect(EXPECTED_TERMINAL['review-approve']).toBe('CONFIRMED');
    expect(EXPECTED_TERMINAL['review-timeout']).toBe('CANCELLED');
    expect(expectedReviews(workload).size).toBe(reviews.length);
  });

  it('leaves the other kinds where they were when the review rate is 0', () => {
    const without = generateWorkload({ ...options, reviewRate: 0 });
    const before = generateWorkload({ ...options, reviewRate: undefined });
    expect(without).toEqual(before);
    expect(without.some((o) => o.review)).toBe(false);
  });
});

describe('options: --review-rate and friends', () => {
  it('defaults to a few percent of review orders and a local timeout of seconds', () => {
    const options = parseComparisonArgs([]);
    expect(options.reviewRate).toBeGreaterThan(0);
    expect(options.reviewRate).toBeLessThanOrEqual(0.05);
    expect(options.reviewTimeoutSeconds).toBeLessThan(60);
  });

  it('takes the review options and refuses what cannot work', () => {
    expect(
      parseComparisonArgs(['--review-rate', '0.1', '--review-reject-rate', '0.5', '--review-timeout-rate', '0.5']),
    ).toMatchObject({ reviewRate: 0.1, reviewRejectRate: 0.5, reviewTimeoutRate: 0.5 });
    expect(() => parseComparisonArgs(['--review-rate', '2'])).toThrow(/--review-rate must be a number from 0 to 1/);
    expect(() => parseComparisonArgs(['--review-reject-rate', '0.7', '--review-timeout-rate', '0.5'])).toThrow(
      /add up to more than 1/,
    );
    expect(() => parseComparisonArgs(['--review-timeout', '2'])).toThrow(/--review-timeout must be at least/);
  });

  it('gives the reviewer more time when many orders are in flight, unless --review-timeout says', () => {
    expect(parseComparisonArgs(['--concurrency', '8']).reviewTimeoutSeconds).toBe(10);
    expect(parseComparisonArgs(['--concurrency', '150']).reviewTimeoutSeconds).toBe(30);
    expect(parseComparisonArgs(['--concurrency', '200']).reviewTimeoutSeconds).toBe(40);
    expect(parseComparisonArgs(['--rate', '500']).reviewTimeoutSeconds).toBe(100);
    expect(parseComparisonArgs(['--concurrency', '150', '--review-timeout', '12']).reviewTimeoutSeconds).toBe(12);
  });
});
