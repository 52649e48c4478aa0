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
  /** Validated but above the review threshold: parked, never charged, until a decision or the timeout. */
  | 'AWAITING_REVIEW'
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
  // Manual review (shared/domain/review.ts): the order parks, then a reviewer or the timeout decides.
  'await-review',
  'review-order',
  'time-out-review',
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
  /**
   * Which run of the whole order wrote it, where the order runs as one unit that is started
   * again from its first step (single-lambda: Lambda's async retry, a redrive); absent elsewhere.
   */
  run?: number;
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
  /** Set when the order parked for manual review (its total is above the review threshold). */
  review?: ReviewRecord;
  timeline: TimelineEntry[];
}

/** Who decided a review: a reviewer approved or rejected it, or nobody did before the timeout. */
export type ReviewDecision = 'approve' | 'reject' | 'timeout';

/** The manual review of an order: when it parked, until when, and what ended the wait. */
export interface ReviewRecord {
  /** ISO-8601: when the order parked AWAITING_REVIEW. */
  requestedAt: string;
  /** ISO-8601: when the timeout fires if nobody decides. */
  timeoutAt: string;
  /**
   * What the variant needs to resume the waiting order (a Step Functions task token, a durable
   * callback id, the name of the timeout's schedule ...); absent where nothing is needed.
   */
  token?: string;
  /** Recorded once, conditionally: exactly one of approve, reject and timeout wins. */
  decision?: ReviewDecision;
  /** Who approved or rejected it (absent for a timeout). */
  reviewer?: string;
  /** ISO-8601: when the decision was recorded. */
  decidedAt?: string;
}

/** What travels between steps: the order id and the transport's delivery attempt. */
export interface StepInput {
  orderId: string;
  /** 1 for the first delivery; from SQS ApproximateReceiveCount, SFN RetryCount + 1, ... */
  attempt: number;
  correlationId?: string;
  /** The run of the whole order this step belongs to (see {@link TimelineEntry.run}). */
  run?: number;
}
