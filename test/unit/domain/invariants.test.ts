import { checkInvariants, type LedgerEntry, type RunSnapshot, type StockSnapshot } from '#domain/invariants';
import type { OrderRecord } from '#domain/order';
import { anOrderRecord } from '#test/helpers/order-factory';

/**
 * A sound run: one order of each terminal kind. The confirmed order bought one keyboard and two
 * mice (14,700 cents) and holds them; the cancelled one was charged and refunded; the declined
 * one never charged; the rejected one never charged; the failed one is parked in a DLQ.
 */
function aSoundRun() {
  const confirmed = anOrderRecord({ status: 'CONFIRMED', chargeId: 'ch_confirmed' });
  const outOfStock = anOrderRecord({ status: 'CANCELLED', reason: 'OutOfStockError', chargeId: 'ch_oos' });
  const declined = anOrderRecord({ status: 'CANCELLED', reason: 'PaymentDeclinedError' });
  const rejected = anOrderRecord({ status: 'REJECTED', reason: 'ValidationError' });
  const failed = anOrderRecord({ status: 'FAILED', reason: 'TransientDependencyError', resumeStatus: 'VALIDATED' });
  const orders: OrderRecord[] = [confirmed, outOfStock, declined, rejected, failed];
  const ledger: LedgerEntry[] = [
    { orderId: confirmed.orderId, kind: 'charge', id: 'ch_confirmed', amountCents: 14_700 },
    { orderId: outOfStock.orderId, kind: 'charge', id: 'ch_oos', amountCents: 14_700 },
    { orderId: outOfStock.orderId, kind: 'refund', id: 're_oos', amountCents: 14_700 },
  ];
  const stock: StockSnapshot[] = [
    { sku: 'SKU-KEYBOARD', initial: 10, current: 9, holds: { [confirmed.orderId]: 1 } },
    { sku: 'SKU-MOUSE', initial: 10, current: 8, holds: { [confirmed.orderId]: 2 } },
    { sku: 'SKU-LIMITED', initial: 3, current: 3, holds: {} },
  ];
  const run: RunSnapshot = {
    acceptedOrderIds: orders.map((o) => o.orderId),
    orders,
    ledger,
    stock,
    parkedOrderIds: new Set([failed.orderId]),
  };
  return { run, confirmed, outOfStock, declined, rejected, failed, ledger, stock };
}

function stockOf(stock: StockSnapshot[], sku: string): StockSnapshot {
  const row = stock.find((s) => s.sku === sku);
  if (!row) throw new Error(`no ${sku} in the run`);
  return row;
}

describe('checkInvariants', () => {
  it('finds nothing wrong with a sound run', () => {
    expect(checkInvariants(aSoundRun().run)).toEqual([]);
  });

  it('finds nothing wrong with an empty run', () => {
    expect(
      checkInvariants({ acceptedOrderIds: [], orders: [], ledger: [], stock: [], parkedOrderIds: new Set() }),
    ).toEqual([]);
  });

  it('reports an accepted order that has no record as lost', () => {
    const { run } = aSoundRun();
    const violations = checkInvariants({ ...run, acceptedOrderIds: [...run.acceptedOrderIds, 'order-vanished'] });
    expect(violations).toEqual([expect.objectContaining({ rule: 'order-lost', orderId: 'order-vanished' })]);
  });

  it.each(['ACCEPTED', 'VALIDATED', 'COMPENSATING'] as const)(
    'reports an order stuck in %s as not terminal',
    (status) => {
      const { run, rejected } = aSoundRun();
      rejected.status = status;
      expect(checkInvariants(run)).toEqual([
        expect.objectContaining({ rule: 'not-terminal', orderId: rejected.orderId }),
      ]);
    },
  );

  it('reports a confirmed order charged twice', () => {
    const { run, confirmed, ledger } = aSoundRun();
    ledger.push({ orderId: confirmed.orderId, kind: 'charge', id: 'ch_again', amountCents: 14_700 });
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'charge-count',
        orderId: confirmed.orderId,
        message: expect.stringContaining('charged 2 times'),
      }),
    ]);
  });

  it('reports a confirmed order that was never charged', () => {
    const { run, confirmed, ledger } = aSoundRun();
    ledger.splice(
      ledger.findIndex((e) => e.orderId === confirmed.orderId),
      1,
    );
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'charge-count',
        orderId: confirmed.orderId,
        message: expect.stringContaining('never charged'),
      }),
    ]);
  });

  it('reports a confirmed order that was refunded', () => {
    const { run, confirmed, ledger } = aSoundRun();
    ledger.push({ orderId: confirmed.orderId, kind: 'refund', id: 're_x', amountCents: 14_700 });
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'charge-count',
        orderId: confirmed.orderId,
        message: expect.stringContaining('refunded'),
      }),
    ]);
  });

  it('reports a confirmed order charged another amount than its total', () => {
    const { run, confirmed, ledger } = aSoundRun();
    ledger[0] = { orderId: confirmed.orderId, kind: 'charge', id: 'ch_confirmed', amountCents: 8_900 };
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'charge-amount',
        orderId: confirmed.orderId,
        message: expect.stringContaining('charged 8900 cents for a total of 14700'),
      }),
    ]);
  });

  it('reports a cancelled order whose charge was not refunded', () => {
    const { run, outOfStock, ledger } = aSoundRun();
    ledger.splice(
      ledger.findIndex((e) => e.orderId === outOfStock.orderId && e.kind === 'refund'),
      1,
    );
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({ rule: 'refund-missing', orderId: outOfStock.orderId }),
    ]);
  });

  it('reports a cancelled order refunded less than it was charged', () => {
    const { run, outOfStock, ledger } = aSoundRun();
    const refund = ledger.find((e) => e.orderId === outOfStock.orderId && e.kind === 'refund');
    if (refund) refund.amountCents = 100;
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({ rule: 'refund-missing', orderId: outOfStock.orderId }),
    ]);
  });

  it('reports a rejected order that was charged, even if refunded', () => {
    const { run, rejected, ledger } = aSoundRun();
    ledger.push(
      { orderId: rejected.orderId, kind: 'charge', id: 'ch_r', amountCents: 1 },
      { orderId: rejected.orderId, kind: 'refund', id: 're_r', amountCents: 1 },
    );
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({ rule: 'charged-when-rejected', orderId: rejected.orderId }),
    ]);
  });

  it('reports negative stock', () => {
    const { run, stock } = aSoundRun();
    stock.push({ sku: 'SKU-DOCK', initial: 1, current: -1, holds: {} });
    const violations = checkInvariants(run);
    expect(violations).toContainEqual(expect.objectContaining({ rule: 'stock-negative', sku: 'SKU-DOCK' }));
    // -1 is also not 1 - nothing held: a lost unit of stock is reported as a mismatch as well.
    expect(violations.map((v) => v.rule).sort()).toEqual(['stock-mismatch', 'stock-negative']);
  });

  it('reports stock that does not equal initial minus what orders hold', () => {
    const { run, stock } = aSoundRun();
    stockOf(stock, 'SKU-LIMITED').current = 2;
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'stock-mismatch',
        sku: 'SKU-LIMITED',
        message: expect.stringContaining('stock 2 but initial 3 - held 0 = 3'),
      }),
    ]);
  });

  it('reports stock still held by a cancelled order', () => {
    const { run, outOfStock, stock } = aSoundRun();
    const limited = stockOf(stock, 'SKU-LIMITED');
    limited.current = 1;
    limited.holds[outOfStock.orderId] = 2;
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({ rule: 'hold-mismatch', sku: 'SKU-LIMITED', orderId: outOfStock.orderId }),
    ]);
  });

  it('reports stock held by an order nobody knows', () => {
    const { run, stock } = aSoundRun();
    const limited = stockOf(stock, 'SKU-LIMITED');
    limited.current = 2;
    limited.holds['order-ghost'] = 1;
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'hold-mismatch',
        orderId: 'order-ghost',
        message: expect.stringContaining('(unknown)'),
      }),
    ]);
  });

  it('reports a confirmed order holding another quantity than it ordered', () => {
    const { run, confirmed, stock } = aSoundRun();
    const mouse = stockOf(stock, 'SKU-MOUSE');
    mouse.holds[confirmed.orderId] = 1;
    mouse.current = 9;
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({
        rule: 'hold-mismatch',
        sku: 'SKU-MOUSE',
        orderId: confirmed.orderId,
        message: expect.stringContaining('ordered 2 but holds 1'),
      }),
    ]);
  });

  it('reports a confirmed order that holds nothing of a line it bought', () => {
    const { run, confirmed, stock } = aSoundRun();
    const keyboard = stockOf(stock, 'SKU-KEYBOARD');
    keyboard.holds = {};
    keyboard.current = 10;
    expect(checkInvariants(run)).toEqual([
      expect.objectContaining({ rule: 'hold-mismatch', sku: 'SKU-KEYBOARD', orderId: confirmed.orderId }),
    ]);
  });

  it('accepts stock held by a FAILED order parked for redrive', () => {
    const { run, failed, stock } = aSoundRun();
    const limited = stockOf(stock, 'SKU-LIMITED');
    limited.current = 2;
    limited.holds[failed.orderId] = 1;
    expect(checkInvariants(run)).toEqual([]);
  });

  it('reports a FAILED order that is in no DLQ and no failed execution', () => {
    const { run, failed } = aSoundRun();
    expect(checkInvariants({ ...run, parkedOrderIds: new Set() })).toEqual([
      expect.objectContaining({ rule: 'failed-not-findable', orderId: failed.orderId }),
    ]);
  });

  it('reports every violation of a bad run, not only the first', () => {
    const { run, confirmed, outOfStock, ledger, stock } = aSoundRun();
    ledger.push({ orderId: confirmed.orderId, kind: 'charge', id: 'ch_again', amountCents: 14_700 });
    ledger.splice(
      ledger.findIndex((e) => e.kind === 'refund'),
      1,
    );
    stockOf(stock, 'SKU-LIMITED').current = -4;
    const violations = checkInvariants({
      ...run,
      acceptedOrderIds: [...run.acceptedOrderIds, 'order-lost'],
      parkedOrderIds: new Set(),
    });
    expect(violations.map((v) => v.rule).sort()).toEqual([
      'charge-count',
      'failed-not-findable',
      'order-lost',
      'refund-missing',
      'stock-mismatch',
      'stock-negative',
    ]);
    expect(violations.find((v) => v.rule === 'refund-missing')?.orderId).toBe(outOfStock.orderId);
  });
});
