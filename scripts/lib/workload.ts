import { chance } from '#domain/outside-world';
import { createCatalog } from '#domain/catalog';
import type { PlaceOrderCommand } from '#domain/order';

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
  /** Prefix of every orderId, so runs against a long-lived stack never collide. */
  runId: string;
}

export const DEFAULT_WORKLOAD: Omit<WorkloadOptions, 'runId'> = {
  orders: 600,
  seed: 42,
  declineRate: 0.05,
  outOfStockRate: 0.05,
  transientRate: 0.1,
  rejectRate: 0.02,
};

export type OrderKind = 'ok' | 'decline' | 'out-of-stock' | 'transient' | 'reject';

export interface WorkloadOrder {
  kind: OrderKind;
  command: PlaceOrderCommand;
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
    const paymentToken =
      kind === 'decline'
        ? 'tok_decline'
        : kind === 'transient'
          ? `tok_flaky_${1 + Math.floor(draw(i, 'flaky') * 2)}`
          : 'tok_ok';
    return {
      kind,
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
  return 'ok';
}

/** The terminal state each kind must reach (with no retries exhausted). */
export const EXPECTED_TERMINAL: Record<OrderKind, string> = {
  ok: 'CONFIRMED',
  transient: 'CONFIRMED',
  decline: 'CANCELLED',
  'out-of-stock': 'CANCELLED',
  reject: 'REJECTED',
};

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
    runId,
  });
}
