/**
 * The order model: the API contract every variant shares, and the record every variant writes.
 */

/** What a client posts to `POST /orders`. Prices are never taken from the client. */
export interface PlaceOrderCommand {
  /** Client-chosen, the idempotency key of the whole pipeline. */
  orderId: string;
  customerId: string;
  email: string;
  currency: Currency;
  paymentToken: string;
  items: OrderItem[];
}

export interface OrderItem {
  sku: string;
  qty: number;
}

export const SUPPORTED_CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
export type Currency = (typeof SUPPORTED_CURRENCIES)[number];

/** A line priced from the catalog. */
export interface OrderLine extends OrderItem {
  unitPriceCents: number;
  lineTotalCents: number;
}

export type OrderStatus =
  | 'ACCEPTED'
  | 'VALIDATED'
  | 'PAYMENT_CHARGED'
  | 'INVENTORY_RESERVED'
  | 'COMPENSATING'
  | TerminalStatus;

export type TerminalStatus = 'CONFIRMED' | 'CANCELLED' | 'REJECTED' | 'FAILED';
export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED'];

export function isTerminal(status: OrderStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Step and compensation names: the same words name files, queues, events and states. */
export const STEP_NAMES = [
  'validate-order',
  'charge-payment',
  'reserve-inventory',
  'send-confirmation',
  'refund-payment',
  'release-inventory',
  'cancel-order',
  'reject-order',
  'fail-order',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * The hop that unwinds an order where compensation is code (the queue and function of sqs-chain,
 * the rule and function of eventbridge-flags): it runs release-inventory, refund-payment and
 * cancel-order (or reject-order), and the timeline records those. It names the hop in a failure
 * reason (`<Error>@compensate-order`), never a timeline entry.
 */
export const COMPENSATION_HOP = 'compensate-order' as const;
export type CompensationHop = typeof COMPENSATION_HOP;

/** One entry of an order's timeline: what a step did, when, on which attempt. */
export interface TimelineEntry {
  step: StepName | 'accept-order';
  outcome: 'succeeded' | 'failed' | 'duplicate';
  attempt: number;
  /** ISO-8601 with milliseconds. */
  at: string;
  /** Which variant wrote it (the timelines of the three can then be compared). */
  variant?: string;
  error?: { name: string; message: string };
  detail?: Record<string, unknown>;
}

/** The record in the `orders` table: the same for all three variants. */
export interface OrderRecord {
  orderId: string;
  command: PlaceOrderCommand;
  /** SHA-256 of the canonical command: a repeated POST with another body is a conflict. */
  requestHash: string;
  status: OrderStatus;
  /** Why the order ended CANCELLED / REJECTED / FAILED (an error name or a rule). */
  reason?: string;
  lines?: OrderLine[];
  totalCents?: number;
  chargeId?: string;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  terminalAt?: string;
  /** Set when the order went FAILED: the status a redriven step resumes from. */
  resumeStatus?: OrderStatus;
  timeline: TimelineEntry[];
}

/** What travels between steps: the order id and the transport's delivery attempt. */
export interface StepInput {
  orderId: string;
  /** 1 for the first delivery; from SQS ApproximateReceiveCount, SFN RetryCount + 1, ... */
  attempt: number;
  correlationId?: string;
}
