import { chance } from '#domain/outside-world';
import { createCatalog } from '#domain/catalog';
import type { PlaceOrderCommand, ReviewDecision } from '#domain/order';
import { DEFAULT_REVIEW_THRESHOLD_CENTS } from '#domain/review';

export interface WorkloadOptions {
  orders: number;
  seed: number;
  /** Share of orders paid with `tok_decline` (-> CANCELLED, never charged). */
  declineRate: number;
  /** Share of orders asking for more of the scarce SKU than exists (-> CANCELLED, refunded). */
  outOfStockRate: number;
  /** Share of orders paid with `tok_flaky_1` / `tok_flaky_2` (-> retried, then CONFIRMED). */
  transientRate: number;
  /** Share of orders over the credit limit (-> REJECTED by validate-order). */
  rejectRate: number;
  /**
   * Share of orders above the review threshold (and below the credit limit): they wait
   * AWAITING_REVIEW for a reviewer (the driver) or the timeout. Absent: none.
   */
  reviewRate?: number;
  /** Share of the review orders the reviewer rejects (-> CANCELLED ReviewRejected). */
  reviewRejectRate?: number;
  /** Share of the review orders nobody decides (-> CANCELLED ReviewTimedOut after the timeout). */
  reviewTimeoutRate?: number;
  /** Prefix of every orderId, so runs against a long-lived stack never collide. */
  runId: string;
}

export const DEFAULT_WORKLOAD: Omit<WorkloadOptions, 'runId'> = {
  // Five variants run one after the other, each after its calibration: 200 orders each keeps the
  // main job within 3 minutes on 2 cores even on a fresh clone's first run (which packages and
  // bundles everything), and a p99 still has two orders above it. `--orders` runs more.
  orders: 200,
  seed: 42,
  declineRate: 0.05,
  outOfStockRate: 0.05,
  transientRate: 0.1,
  rejectRate: 0.02,
  // A few percent wait for review: of those, a quarter is rejected, a fifth times out, the rest approved.
  reviewRate: 0.03,
  reviewRejectRate: 0.25,
  reviewTimeoutRate: 0.2,
};

export type OrderKind =
  | 'ok'
  | 'decline'
  | 'out-of-stock'
  | 'transient'
  | 'reject'
  | 'review-approve'
  | 'review-reject'
  | 'review-timeout';

/**
 * The review timeout of a local run: long enough for the reviewer (who decides within 1.5 s of
 * seeing the order wait) on a busy machine, short enough that the orders nobody decides end soon.
 */
export const DEFAULT_LOCAL_REVIEW_TIMEOUT_SECONDS = 10;

/**
 * The review timeout a local run uses unless `--review-timeout` says: 10 s, plus room when many
 * orders are in flight (a second per 5 orders, or per 5 orders/s of an open model). The reviewer's
 * decision is itself an invocation (the review API's function) that waits for an execution
 * environment like every other, so on a saturated machine it reaches the order later than on AWS:
 * at 150 in flight (`npm start -- --orders 600 --concurrency 150 --transient-rate 0.4 --seed 11 ...`)
 * two single-lambda decisions lost to a 10 s timeout, which the baseline never does.
 */
export function localReviewTimeoutSeconds(load: { concurrency: number; rate?: number }): number {
  return Math.max(DEFAULT_LOCAL_REVIEW_TIMEOUT_SECONDS, Math.ceil(Math.max(load.concurrency, load.rate ?? 0) / 5));
}

/** The reviewer's part, seeded: what it decides, and how long after it sees the order waiting. */
export const REVIEWER_DELAY_MS = { min: 200, max: 1500 } as const;

export interface WorkloadOrder {
  kind: OrderKind;
  command: PlaceOrderCommand;
  /** Review orders only: the decision the reviewer posts (none for `timeout`) and after how long. */
  review?: { decision: ReviewDecision; delayMs: number };
}

/** The decision a review order ends with (its kind says it), or undefined for other kinds. */
export function reviewDecisionOf(kind: OrderKind): ReviewDecision | undefined {
  return kind === 'review-approve'
    ? 'approve'
    : kind === 'review-reject'
      ? 'reject'
      : kind === 'review-timeout'
        ? 'timeout'
        : undefined;
}

/**
 * The same seeded workload for every variant: the kind of each order (and so its expected
 * terminal state) depends only on (seed, index). Out-of-stock orders ask for more of the scarce
 * SKU than its whole stock, so they run out for real in DynamoDB yet deterministically.
 */
export function generateWorkload(options: WorkloadOptions): WorkloadOrder[] {
  const catalog = createCatalog();
  const scarce = catalog.entries.find((e) => e.stock < 1000);
  const plentiful = catalog.entries.filter((e) => e.stock >= 1000);
  if (!scarce || plentiful.length < 3) throw new Error('the catalog needs one scarce SKU and three plentiful ones');
  const pricey = [...plentiful].sort((a, b) => b.unitPriceCents - a.unitPriceCents)[0]!;
  const draw = (i: number, what: string) => chance(options.seed, `${what}#${i}`);
  return Array.from({ length: options.orders }, (_, i) => {
    const kind = kindOf(draw(i, 'kind'), options);
    const lines = 1 + Math.floor(draw(i, 'lines') * 3);
    const skus = [...plentiful].sort((a, b) => draw(i, a.sku) - draw(i, b.sku)).slice(0, lines);
    const items = skus.map((entry, n) => ({ sku: entry.sku, qty: 1 + Math.floor(draw(i, `qty${n}`) * 3) }));
    if (kind === 'out-of-stock') items.push({ sku: scarce.sku, qty: scarce.stock + 1 });
    if (kind === 'reject')
      items.splice(0, items.length, { sku: pricey.sku, qty: Math.ceil(1_000_001 / pricey.unitPriceCents) });
    const decision = reviewDecisionOf(kind);
    // Above the review threshold by up to two more units, far below the credit limit.
    if (decision) {
      const qty =
        Math.ceil((DEFAULT_REVIEW_THRESHOLD_CENTS + 1) / pricey.unitPriceCents) + Math.floor(draw(i, 'big') * 3);
      items.splice(0, items.length, { sku: pricey.sku, qty });
    }
    const paymentToken =
      kind === 'decline'
        ? 'tok_decline'
        : kind === 'transient'
          ? `tok_flaky_${1 + Math.floor(draw(i, 'flaky') * 2)}`
          : 'tok_ok';
    const delayMs =
      REVIEWER_DELAY_MS.min + Math.floor(draw(i, 'review-delay') * (REVIEWER_DELAY_MS.max - REVIEWER_DELAY_MS.min));
    return {
      kind,
      ...(decision ? { review: { decision, delayMs } } : {}),
      command: {
        orderId: `${options.runId}-${String(i).padStart(6, '0')}`,
        customerId: `cust-${Math.floor(draw(i, 'customer') * 500)}`,
        email: `customer${i}@example.com`,
        currency: (['USD', 'EUR', 'GBP'] as const)[Math.floor(draw(i, 'currency') * 3)]!,
        paymentToken,
        items,
      },
    };
  });
}

function kindOf(r: number, o: WorkloadOptions): OrderKind {
  let edge = o.declineRate;
  if (r < edge) return 'decline';
  if (r < (edge += o.outOfStockRate)) return 'out-of-stock';
  if (r < (edge += o.transientRate)) return 'transient';
  if (r < (edge += o.rejectRate)) return 'reject';
  if (r < (edge += o.reviewRate ?? 0)) {
    // Where in the review share it fell decides the review's outcome, so it stays seeded.
    const within = (r - (edge - (o.reviewRate ?? 0))) / (o.reviewRate ?? 1);
    const timeout = o.reviewTimeoutRate ?? 0;
    if (within < timeout) return 'review-timeout';
    if (within < timeout + (o.reviewRejectRate ?? 0)) return 'review-reject';
    return 'review-approve';
  }
  return 'ok';
}

/** The terminal state each kind must reach (with no retries exhausted). */
export const EXPECTED_TERMINAL: Record<OrderKind, string> = {
  ok: 'CONFIRMED',
  transient: 'CONFIRMED',
  decline: 'CANCELLED',
  'out-of-stock': 'CANCELLED',
  reject: 'REJECTED',
  'review-approve': 'CONFIRMED',
  'review-reject': 'CANCELLED',
  'review-timeout': 'CANCELLED',
};

/** The review orders of a workload and the decision each must end with (for the invariant checker). */
export function expectedReviews(orders: readonly WorkloadOrder[]): Map<string, ReviewDecision> {
  return new Map(orders.flatMap((o) => (o.review ? [[o.command.orderId, o.review.decision] as const] : [])));
}

/** Orders of the light-load calibration: every path (declined, out of stock, rejected), no waits. */
export const CALIBRATION_ORDERS = 30;

/**
 * The calibration's orders: the run's seed, every path but the transient one (no retry waits), so
 * `npm start` and the load test calibrate a target with the same orders.
 */
export function calibrationWorkload(
  options: { seed: number },
  runId: string,
  orders = CALIBRATION_ORDERS,
): WorkloadOrder[] {
  return generateWorkload({
    seed: options.seed,
    orders,
    declineRate: 0.2,
    outOfStockRate: 0.2,
    transientRate: 0,
    rejectRate: 0.1,
    // No order waits for a person here: the calibration measures the functions, one order at a time.
    reviewRate: 0,
    runId,
  });
}
