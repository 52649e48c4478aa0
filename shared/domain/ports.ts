import type {
  Currency,
  OrderItem,
  OrderLine,
  OrderRecord,
  OrderStatus,
  ReviewDecision,
  ReviewRecord,
  TimelineEntry,
} from './order.ts';

/**
 * Ports of the order domain, one per bounded context. Adapters over DynamoDB live in
 * `shared/adapters`; in-memory fakes for domain unit tests live in `test/helpers`.
 */

/** Changes written together with a status move (one conditional write). */
export interface OrderPatch {
  lines?: OrderLine[];
  totalCents?: number;
  chargeId?: string;
  reason?: string;
  resumeStatus?: OrderStatus;
  /** Written when the order parks for manual review. */
  review?: ReviewRecord;
}

export interface StatusChange {
  from: readonly OrderStatus[];
  to: OrderStatus;
  entry: TimelineEntry;
  patch?: OrderPatch;
  /** Also allow the move from FAILED when the order failed at this status (a redriven step). */
  resumeFrom?: OrderStatus;
}

/**
 * The `orders` table: status + timeline, the same record for every variant.
 * @example
 * const { created, order } = await orders.create(record); // created=false: it existed already
 * const moved = await orders.transition(id, { from: ['VALIDATED'], to: 'PAYMENT_CHARGED', entry });
 */
export interface OrderRepository {
  /** Inserts if absent; returns the stored record either way. */
  create(record: OrderRecord): Promise<{ created: boolean; order: OrderRecord }>;
  get(orderId: string): Promise<OrderRecord | undefined>;
  /**
   * Moves the status only if it is one of `from`, appending `entry` to the timeline in the same
   * conditional write. Returns false (and writes nothing) when the status was elsewhere: that is
   * how a duplicate or late delivery becomes a no-op.
   */
  transition(orderId: string, change: StatusChange): Promise<boolean>;
  /** Appends a timeline entry without moving the status (a failed attempt, a duplicate). */
  appendTimeline(orderId: string, entry: TimelineEntry): Promise<void>;
  /**
   * Records the decision of a review in ONE conditional write: only while the order is
   * AWAITING_REVIEW with no decision yet, so exactly one of approve, reject and timeout wins.
   * The same write moves the order where the decision takes it and appends `entry`. Returns false
   * (and writes nothing) when the order was not waiting or another decision won.
   */
  recordReviewDecision(orderId: string, change: ReviewDecisionChange): Promise<boolean>;
}

/** A review's decision and where it takes the order (approve: VALIDATED; reject, timeout: CANCELLED). */
export interface ReviewDecisionChange {
  decision: ReviewDecision;
  /** Absent for a timeout. */
  reviewer?: string;
  decidedAt: string;
  to: OrderStatus;
  /** The cancel reason (ReviewRejected, ReviewTimedOut). */
  reason?: string;
  entry: TimelineEntry;
}

export interface ChargeRequest {
  /** The provider deduplicates on this key: a second charge with it returns the first. */
  idempotencyKey: string;
  orderId: string;
  amountCents: number;
  currency: Currency;
  paymentToken: string;
}

export interface Charge {
  chargeId: string;
  orderId: string;
  amountCents: number;
  currency: Currency;
}

export interface RefundRequest {
  idempotencyKey: string;
  orderId: string;
  chargeId: string;
  amountCents: number;
}

/**
 * The payment provider. Throws `PaymentDeclinedError` (business) or `TransientDependencyError`.
 * @example
 * const charge = await payments.charge({ idempotencyKey: `${orderId}#charge`, orderId, amountCents, currency,
 * paymentToken });
 */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<Charge>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

/**
 * Per-SKU stock. `reserve` takes stock item by item with conditions and, if one line cannot be
 * had, gives back what it took before throwing `OutOfStockError`. Both are idempotent per order.
 * @example
 * await inventory.reserve(orderId, [{ sku: 'SKU-MOUSE', qty: 2 }]);
 */
export interface InventoryStore {
  reserve(orderId: string, items: readonly OrderItem[]): Promise<void>;
  release(orderId: string, items: readonly OrderItem[]): Promise<{ released: OrderItem[] }>;
}

export interface EmailMessage {
  idempotencyKey: string;
  orderId: string;
  to: string;
  subject: string;
  body: string;
}

/** Sends customer email. Throws `TransientDependencyError` when the provider fails. */
export interface Mailer {
  send(message: EmailMessage): Promise<{ messageId: string }>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
