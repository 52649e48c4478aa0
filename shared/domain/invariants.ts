import { isTerminal, type OrderRecord } from './order.ts';

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
  | 'failed-not-findable';

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
 * FAILED) orders hold, every FAILED order findable, zero orders lost.
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
    ...run.stock.flatMap((sku) => checkStock(sku, byId)),
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
