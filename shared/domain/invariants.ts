import { isTerminal, type OrderRecord, type ReviewDecision } from './order.ts';
import { DECISION_OUTCOMES } from './review.ts';

/** A money movement recorded by the payment provider (the ledger, keyed by orderId). */
export interface LedgerEntry {
  orderId: string;
  kind: 'charge' | 'refund';
  id: string;
  amountCents: number;
}

/** One SKU after a run: its initial and current stock and which orders hold how much. */
export interface StockSnapshot {
  sku: string;
  initial: number;
  current: number;
  holds: Record<string, number>;
}

/** Everything the checker needs to know about a finished run. */
export interface RunSnapshot {
  /** Every order the workload placed and got accepted (202): none of them may be lost. */
  acceptedOrderIds: readonly string[];
  orders: readonly OrderRecord[];
  ledger: readonly LedgerEntry[];
  stock: readonly StockSnapshot[];
  /** Order ids found in a DLQ or a failed execution: every FAILED order must be among them. */
  parkedOrderIds: ReadonlySet<string>;
  /**
   * The review orders of the workload and the decision each must end with: the reviewer's
   * (approve, reject), or `timeout` for those nobody decides. Absent: no expectation is checked,
   * only that every review that was decided ended as its decision says.
   */
  expectedReviews?: ReadonlyMap<string, ReviewDecision>;
}

export type InvariantRule =
  | 'order-lost'
  | 'not-terminal'
  | 'charge-count'
  | 'charge-amount'
  | 'refund-missing'
  | 'charged-when-rejected'
  | 'stock-negative'
  | 'stock-mismatch'
  | 'hold-mismatch'
  | 'failed-not-findable'
  | 'review-outcome'
  | 'charged-without-approval'
  | 'review-expectation'
  /** The order ended in another terminal state than the same order in the baseline (npm start). */
  | 'baseline-mismatch';

export interface InvariantViolation {
  rule: InvariantRule;
  message: string;
  orderId?: string;
  sku?: string;
}

/**
 * Checks the business invariants of a run: one terminal state per order, charged exactly once
 * per CONFIRMED order, every charged-then-cancelled order refunded, nothing charged for a
 * REJECTED order, stock never negative and equal to initial minus what confirmed (and parked
 * FAILED) orders hold, every FAILED order findable, zero orders lost; and for orders that waited
 * for review: ended as the decision says (reject and timeout CANCELLED with their reason), never
 * charged without an approval, and decided as the workload expects.
 * Returns the violations; an empty list means the run is sound.
 *
 * @example
 * const violations = checkInvariants(await snapshotRun(cloud, acceptedIds));
 */
export function checkInvariants(run: RunSnapshot): InvariantViolation[] {
  const byId = new Map(run.orders.map((order) => [order.orderId, order]));
  const ledgerByOrder = groupBy(run.ledger, (entry) => entry.orderId);
  return [
    ...run.acceptedOrderIds
      .filter((id) => !byId.has(id))
      .map(
        (orderId): InvariantViolation => ({
          rule: 'order-lost',
          orderId,
          message: `order ${orderId} was accepted but has no record`,
        }),
      ),
    ...run.orders.flatMap((order) => checkOrder(order, ledgerByOrder.get(order.orderId) ?? [], run.parkedOrderIds)),
    ...run.orders.flatMap((order) => checkReview(order, ledgerByOrder.get(order.orderId) ?? [])),
    ...[...(run.expectedReviews ?? [])].flatMap(([orderId, expected]) =>
      checkExpectedReview(orderId, expected, byId.get(orderId)),
    ),
    ...run.stock.flatMap((sku) => checkStock(sku, byId)),
  ];
}

/**
 * An order that waited ends as its decision says: approve went on (never CANCELLED for a review
 * reason), reject and timeout ended CANCELLED with ReviewRejected / ReviewTimedOut; money moves
 * only after an approval; an order that ended must have been decided.
 */
function checkReview(order: OrderRecord, ledger: readonly LedgerEntry[]): InvariantViolation[] {
  const v = (rule: InvariantRule, message: string): InvariantViolation => ({
    rule,
    orderId: order.orderId,
    message: `order ${order.orderId}: ${message}`,
  });
  const reviewReasons = new Set(Object.values(DECISION_OUTCOMES).flatMap((o) => (o.reason ? [o.reason] : [])));
  const review = order.review;
  const out: InvariantViolation[] = [];
  if (!review) {
    if (order.reason && reviewReasons.has(order.reason))
      out.push(v('review-outcome', `CANCELLED ${order.reason} but it never waited for review`));
    return out;
  }
  const decision = review.decision;
  if (!decision) {
    if (isTerminal(order.status)) out.push(v('review-outcome', `ended ${order.status} with its review undecided`));
  } else if (decision === 'approve') {
    if (order.reason && reviewReasons.has(order.reason))
      out.push(v('review-outcome', `approved but ended ${order.status} ${order.reason}`));
  } else {
    const expected = DECISION_OUTCOMES[decision];
    if (order.status !== expected.to || order.reason !== expected.reason)
      out.push(
        v(
          'review-outcome',
          `review decided ${decision} but ended ${order.status}${order.reason ? ` ${order.reason}` : ''} ` +
            `(expected ${expected.to} ${expected.reason})`,
        ),
      );
  }
  if (decision !== 'approve' && ledger.some((entry) => entry.kind === 'charge'))
    out.push(v('charged-without-approval', `charged while its review was ${decision ?? 'undecided'}`));
  return out;
}

function checkExpectedReview(
  orderId: string,
  expected: ReviewDecision,
  order: OrderRecord | undefined,
): InvariantViolation[] {
  if (!order) return [];
  const decision = order.review?.decision;
  if (decision === expected) return [];
  return [
    {
      rule: 'review-expectation',
      orderId,
      message: order.review
        ? `order ${orderId}: review ended ${decision ?? 'undecided'}, expected ${expected}`
        : `order ${orderId}: never waited for review (expected ${expected}); ended ${order.status}`,
    },
  ];
}

function checkOrder(
  order: OrderRecord,
  ledger: readonly LedgerEntry[],
  parked: ReadonlySet<string>,
): InvariantViolation[] {
  const v = (rule: InvariantRule, message: string): InvariantViolation => ({
    rule,
    orderId: order.orderId,
    message: `order ${order.orderId}: ${message}`,
  });
  const charges = ledger.filter((entry) => entry.kind === 'charge');
  const refunds = ledger.filter((entry) => entry.kind === 'refund');
  const charged = sum(charges.map((c) => c.amountCents));
  const refunded = sum(refunds.map((r) => r.amountCents));
  const out: InvariantViolation[] = [];
  if (!isTerminal(order.status)) out.push(v('not-terminal', `ended in non-terminal status ${order.status}`));
  if (charges.length > 1) out.push(v('charge-count', `charged ${charges.length} times`));
  switch (order.status) {
    case 'CONFIRMED':
      if (charges.length === 0) out.push(v('charge-count', 'CONFIRMED but never charged'));
      if (refunds.length > 0) out.push(v('charge-count', 'CONFIRMED but refunded'));
      if (charges.length === 1 && charged !== order.totalCents)
        out.push(v('charge-amount', `charged ${charged} cents for a total of ${order.totalCents}`));
      break;
    case 'CANCELLED':
      if (charged !== refunded)
        out.push(v('refund-missing', `CANCELLED with ${charged} cents charged and ${refunded} refunded`));
      break;
    case 'REJECTED':
      if (charges.length > 0) out.push(v('charged-when-rejected', 'REJECTED but charged'));
      break;
    case 'FAILED':
      if (!parked.has(order.orderId))
        out.push(v('failed-not-findable', 'FAILED but in no DLQ and no failed execution'));
      break;
    default:
      break;
  }
  return out;
}

/**
 * Stock is conserved: current = initial - everything held, holds belong only to CONFIRMED orders
 * (sold) or FAILED ones (parked for redrive, still holding), and a CONFIRMED order holds exactly
 * its line quantity.
 */
function checkStock(snapshot: StockSnapshot, orders: ReadonlyMap<string, OrderRecord>): InvariantViolation[] {
  const { sku } = snapshot;
  const out: InvariantViolation[] = [];
  if (snapshot.current < 0) out.push({ rule: 'stock-negative', sku, message: `${sku}: stock is ${snapshot.current}` });
  const held = sum(Object.values(snapshot.holds));
  if (snapshot.current !== snapshot.initial - held) {
    out.push({
      rule: 'stock-mismatch',
      sku,
      message:
        `${sku}: stock ${snapshot.current} but initial ${snapshot.initial} - held ${held} = ` +
        `${snapshot.initial - held}`,
    });
  }
  for (const [orderId, qty] of Object.entries(snapshot.holds)) {
    const status = orders.get(orderId)?.status;
    if (status !== 'CONFIRMED' && status !== 'FAILED') {
      out.push({
        rule: 'hold-mismatch',
        sku,
        orderId,
        message: `${sku}: order ${orderId} (${status ?? 'unknown'}) still holds ${qty}`,
      });
    }
  }
  for (const order of orders.values()) {
    if (order.status !== 'CONFIRMED') continue;
    const line = (order.lines ?? order.command.items).find((l) => l.sku === sku);
    if (line && snapshot.holds[order.orderId] !== line.qty) {
      out.push({
        rule: 'hold-mismatch',
        sku,
        orderId: order.orderId,
        message:
          `${sku}: CONFIRMED order ${order.orderId} ordered ${line.qty} but holds ` +
          `${snapshot.holds[order.orderId] ?? 0}`,
      });
    }
  }
  return out;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
