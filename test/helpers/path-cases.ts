import type { OrderItem, StepName } from '#domain/order';

/**
 * The paths every variant must take the same way: one table drives the integration tests of
 * sqs-chain, eventbridge-flags and step-functions, so the same inputs give the same terminal
 * state, ledger and stock everywhere.
 */
export interface PathCase {
  name: string;
  paymentToken: string;
  items: OrderItem[];
  expect: {
    status: 'CONFIRMED' | 'CANCELLED' | 'REJECTED';
    reason?: string;
    /** Ledger entries after the run. */
    charges: number;
    refunds: number;
    /** Stock change per SKU once the order is terminal (absent SKUs: unchanged). */
    stockDelta: Record<string, number>;
    /** Steps that must show a succeeded entry on the timeline, in this order. */
    steps: StepName[];
    /** Failed attempts per step visible on the timeline. */
    failedAttempts?: Partial<Record<StepName, number>>;
  };
}

export const PATH_CASES: PathCase[] = [
  {
    name: 'confirms a paid order, charges it once and takes its stock',
    paymentToken: 'tok_ok',
    items: [
      { sku: 'SKU-MOUSE', qty: 2 },
      { sku: 'SKU-CABLE', qty: 3 },
    ],
    expect: {
      status: 'CONFIRMED',
      charges: 1,
      refunds: 0,
      stockDelta: { 'SKU-MOUSE': -2, 'SKU-CABLE': -3 },
      steps: ['validate-order', 'charge-payment', 'reserve-inventory', 'send-confirmation'],
    },
  },
  {
    name: 'cancels a declined order without charging it or touching stock',
    paymentToken: 'tok_decline',
    items: [{ sku: 'SKU-MOUSE', qty: 1 }],
    expect: {
      status: 'CANCELLED',
      reason: 'PaymentDeclinedError',
      charges: 0,
      refunds: 0,
      stockDelta: {},
      steps: ['validate-order', 'cancel-order'],
    },
  },
  {
    name: 'refunds the charge and gives back the other stock when stock runs out',
    paymentToken: 'tok_ok',
    items: [
      { sku: 'SKU-KEYBOARD', qty: 1 },
      { sku: 'SKU-LIMITED', qty: 41 },
    ],
    expect: {
      status: 'CANCELLED',
      reason: 'OutOfStockError',
      charges: 1,
      refunds: 1,
      stockDelta: {},
      steps: ['validate-order', 'charge-payment', 'refund-payment', 'cancel-order'],
      failedAttempts: { 'reserve-inventory': 1 },
    },
  },
  {
    name: 'confirms after two transient payment failures, retried by the transport',
    paymentToken: 'tok_flaky_2',
    items: [{ sku: 'SKU-WEBCAM', qty: 1 }],
    expect: {
      status: 'CONFIRMED',
      charges: 1,
      refunds: 0,
      stockDelta: { 'SKU-WEBCAM': -1 },
      steps: ['validate-order', 'charge-payment', 'reserve-inventory', 'send-confirmation'],
      failedAttempts: { 'charge-payment': 2 },
    },
  },
  {
    name: 'rejects an order over the credit limit without charging it',
    paymentToken: 'tok_ok',
    items: [{ sku: 'SKU-MONITOR', qty: 31 }],
    expect: {
      status: 'REJECTED',
      reason: 'ValidationError',
      charges: 0,
      refunds: 0,
      stockDelta: {},
      steps: ['reject-order'],
    },
  },
];

/** Token that fails more often than any variant retries (3 attempts), then succeeds on redrive. */
export const EXHAUSTING_TOKEN = 'tok_flaky_3';
