import { createCatalog, type Catalog } from '#domain/catalog';
import { OutOfStockError, PaymentDeclinedError, TransientDependencyError } from '#domain/errors';
import type { LedgerEntry, StockSnapshot } from '#domain/invariants';
import { isTerminal, type OrderItem, type OrderRecord, type TimelineEntry } from '#domain/order';
import {
  DEFAULT_OUTSIDE_WORLD,
  decideChargeOutcome,
  decideMailOutcome,
  type OutsideWorldConfig,
} from '#domain/outside-world';
import type {
  Charge,
  ChargeRequest,
  Clock,
  EmailMessage,
  InventoryStore,
  Mailer,
  OrderRepository,
  PaymentGateway,
  RefundRequest,
  ReviewDecisionChange,
  StatusChange,
} from '#domain/ports';
import type { ReviewConfig, ReviewTimer } from '#domain/review';
import type { StepDeps } from '#domain/step-runner';
import { createOrderSteps, type OrderSteps } from '#domain/steps';

/**
 * In-memory fakes of the domain's ports, with the semantics of the DynamoDB adapters (conditional
 * status moves, idempotency keys, per-order holds), so domain tests run in milliseconds and still
 * catch a step that would double-charge or take stock twice.
 */

/** Records are copied in and out, as a database would: a test cannot mutate the store by accident. */
const copy = <T>(value: T): T => structuredClone(value);

/** The `orders` table: a status moves only from one of `from`, or from FAILED at `resumeFrom`. */
export class InMemoryOrderRepository implements OrderRepository {
  private readonly records = new Map<string, OrderRecord>();

  async create(record: OrderRecord): Promise<{ created: boolean; order: OrderRecord }> {
    const existing = this.records.get(record.orderId);
    if (existing) return { created: false, order: copy(existing) };
    this.records.set(record.orderId, copy(record));
    return { created: true, order: copy(record) };
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const record = this.records.get(orderId);
    return record ? copy(record) : undefined;
  }

  async transition(orderId: string, change: StatusChange): Promise<boolean> {
    const current = this.records.get(orderId);
    if (!current) return false;
    const resuming =
      change.resumeFrom !== undefined && current.status === 'FAILED' && current.resumeStatus === change.resumeFrom;
    if (!change.from.includes(current.status) && !resuming) return false;
    const next: OrderRecord = {
      ...current,
      status: change.to,
      timeline: [...current.timeline, copy(change.entry)],
      updatedAt: change.entry.at,
    };
    if (isTerminal(change.to)) next.terminalAt = change.entry.at;
    // Same as the DynamoDB adapter: a step that may resume a FAILED order clears why it failed.
    if (change.resumeFrom !== undefined) {
      if (!change.patch?.resumeStatus) delete next.resumeStatus;
      if (!change.patch?.reason) delete next.reason;
    }
    for (const [key, value] of Object.entries(change.patch ?? {})) {
      if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = copy(value);
    }
    this.records.set(orderId, next);
    return true;
  }

  async appendTimeline(orderId: string, entry: TimelineEntry): Promise<void> {
    const current = this.records.get(orderId);
    // Like the adapter's attribute_exists condition: never create a half record.
    if (current) current.timeline.push(copy(entry));
  }

  async recordReviewDecision(orderId: string, change: ReviewDecisionChange): Promise<boolean> {
    const current = this.records.get(orderId);
    // The adapter's condition: still waiting, with no decision recorded yet.
    if (!current?.review || current.status !== 'AWAITING_REVIEW' || current.review.decision) return false;
    const next: OrderRecord = {
      ...current,
      status: change.to,
      timeline: [...current.timeline, copy(change.entry)],
      updatedAt: change.decidedAt,
      review: {
        ...current.review,
        decision: change.decision,
        decidedAt: change.decidedAt,
        ...(change.reviewer !== undefined ? { reviewer: change.reviewer } : {}),
      },
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
    };
    if (isTerminal(change.to)) next.terminalAt = change.decidedAt;
    this.records.set(orderId, next);
    return true;
  }

  /** Every stored record (for the invariant checker). */
  all(): OrderRecord[] {
    return [...this.records.values()].map(copy);
  }

  /** Puts a record as it is (a test arranging a state the pipeline would have reached). */
  put(record: OrderRecord): void {
    this.records.set(record.orderId, copy(record));
  }
}

export interface RecordedRefund {
  refundId: string;
  orderId: string;
  chargeId: string;
  amountCents: number;
}

/**
 * The payment provider: outcomes from `decideChargeOutcome` (test tokens, seeded faults) with a
 * per-order call count, and one charge / refund per idempotency key.
 */
export class InMemoryPaymentGateway implements PaymentGateway {
  private readonly chargesByKey = new Map<string, Charge>();
  private readonly refundsByKey = new Map<string, RecordedRefund>();
  private readonly chargeCallsByOrder = new Map<string, number>();
  private readonly refundCallsByOrder = new Map<string, number>();

  constructor(private readonly world: OutsideWorldConfig = DEFAULT_OUTSIDE_WORLD) {}

  async charge(request: ChargeRequest): Promise<Charge> {
    const call = increment(this.chargeCallsByOrder, request.orderId);
    const outcome = decideChargeOutcome(this.world, request.paymentToken, request.orderId, call);
    if (outcome === 'decline') throw new PaymentDeclinedError(request.orderId, 'card_declined');
    if (outcome === 'transient')
      throw new TransientDependencyError('payment-gateway', `simulated timeout on call ${call}`);
    const existing = this.chargesByKey.get(request.idempotencyKey);
    if (existing) return { ...existing };
    const charge: Charge = {
      chargeId: `ch_${request.idempotencyKey}`,
      orderId: request.orderId,
      amountCents: request.amountCents,
      currency: request.currency,
    };
    this.chargesByKey.set(request.idempotencyKey, charge);
    return { ...charge };
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    increment(this.refundCallsByOrder, request.orderId);
    const existing = this.refundsByKey.get(request.idempotencyKey);
    if (existing) return { refundId: existing.refundId };
    const refund: RecordedRefund = {
      refundId: `re_${request.idempotencyKey}`,
      orderId: request.orderId,
      chargeId: request.chargeId,
      amountCents: request.amountCents,
    };
    this.refundsByKey.set(request.idempotencyKey, refund);
    return { refundId: refund.refundId };
  }

  /** Money actually moved for an order (one per idempotency key). */
  chargesOf(orderId: string): Charge[] {
    return [...this.chargesByKey.values()].filter((c) => c.orderId === orderId);
  }

  refundsOf(orderId: string): RecordedRefund[] {
    return [...this.refundsByKey.values()].filter((r) => r.orderId === orderId);
  }

  /** How many times the order called `charge`, failed calls included. */
  chargeCalls(orderId: string): number {
    return this.chargeCallsByOrder.get(orderId) ?? 0;
  }

  refundCalls(orderId: string): number {
    return this.refundCallsByOrder.get(orderId) ?? 0;
  }

  /** The provider's books in the shape the invariant checker reads. */
  ledger(): LedgerEntry[] {
    return [
      ...[...this.chargesByKey.values()].map(
        (c): LedgerEntry => ({ orderId: c.orderId, kind: 'charge', id: c.chargeId, amountCents: c.amountCents }),
      ),
      ...[...this.refundsByKey.values()].map(
        (r): LedgerEntry => ({ orderId: r.orderId, kind: 'refund', id: r.refundId, amountCents: r.amountCents }),
      ),
    ];
  }
}

interface SkuStock {
  initial: number;
  current: number;
  holds: Map<string, number>;
}

/**
 * Per-SKU stock with holds per order, reserved item by item in SKU order: a line already held by
 * the order is not taken again, and a short line gives back what the order took before throwing
 * `OutOfStockError` (the DynamoDB store's behaviour).
 */
export class InMemoryInventoryStore implements InventoryStore {
  private readonly skus = new Map<string, SkuStock>();

  constructor(stock: Record<string, number>) {
    for (const [sku, qty] of Object.entries(stock))
      this.skus.set(sku, { initial: qty, current: qty, holds: new Map() });
  }

  async reserve(orderId: string, items: readonly OrderItem[]): Promise<void> {
    const sorted = [...items].sort((a, b) => a.sku.localeCompare(b.sku));
    for (const item of sorted) {
      const sku = this.skus.get(item.sku);
      if (sku?.holds.has(orderId)) continue;
      if (!sku || sku.current < item.qty) {
        await this.release(orderId, sorted);
        throw new OutOfStockError(orderId, item.sku, item.qty);
      }
      sku.current -= item.qty;
      sku.holds.set(orderId, item.qty);
    }
  }

  async release(orderId: string, items: readonly OrderItem[]): Promise<{ released: OrderItem[] }> {
    const released: OrderItem[] = [];
    for (const item of items) {
      const sku = this.skus.get(item.sku);
      if (sku?.holds.get(orderId) !== item.qty) continue;
      sku.current += item.qty;
      sku.holds.delete(orderId);
      released.push({ ...item });
    }
    return { released };
  }

  stockOf(sku: string): number {
    const entry = this.skus.get(sku);
    if (!entry) throw new Error(`no stock row for ${sku}`);
    return entry.current;
  }

  /** What the order holds, by SKU. */
  holdsOf(orderId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [sku, entry] of this.skus) {
      const qty = entry.holds.get(orderId);
      if (qty !== undefined) out[sku] = qty;
    }
    return out;
  }

  snapshot(): StockSnapshot[] {
    return [...this.skus].map(([sku, entry]) => ({
      sku,
      initial: entry.initial,
      current: entry.current,
      holds: Object.fromEntries(entry.holds),
    }));
  }
}

/** The mail provider: seeded transient failures from the mailer's rate, one email per key. */
export class InMemoryMailer implements Mailer {
  private readonly sentByKey = new Map<string, EmailMessage & { messageId: string }>();
  private readonly callsByOrder = new Map<string, number>();

  constructor(private readonly world: OutsideWorldConfig = DEFAULT_OUTSIDE_WORLD) {}

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const call = increment(this.callsByOrder, message.orderId);
    if (decideMailOutcome(this.world, message.orderId, call) === 'transient') {
      throw new TransientDependencyError('mailer', `simulated 503 on call ${call}`);
    }
    const existing = this.sentByKey.get(message.idempotencyKey);
    if (existing) return { messageId: existing.messageId };
    const messageId = `msg_${message.idempotencyKey}`;
    this.sentByKey.set(message.idempotencyKey, { ...message, messageId });
    return { messageId };
  }

  /** Emails that reached the customer (one per idempotency key). */
  emailsTo(orderId: string): Array<EmailMessage & { messageId: string }> {
    return [...this.sentByKey.values()].filter((m) => m.orderId === orderId);
  }

  calls(orderId: string): number {
    return this.callsByOrder.get(orderId) ?? 0;
  }
}

/** A clock that moves 1 ms per reading: timeline entries are ordered and reproducible. */
export function createTestClock(start = new Date('2024-05-01T12:00:00.000Z')): Clock {
  let ms = start.getTime();
  return { now: () => new Date(ms++) };
}

function increment(counts: Map<string, number>, key: string): number {
  const n = (counts.get(key) ?? 0) + 1;
  counts.set(key, n);
  return n;
}

export interface TestDepsOverrides {
  /** Stock by SKU, merged over the catalog's initial stock. */
  stock?: Record<string, number>;
  /** Faults of the simulated outside world (default: none, except the test tokens). */
  world?: OutsideWorldConfig;
  catalog?: Catalog;
  clock?: Clock;
  variant?: string;
  maxOrderTotalCents?: number;
  /** Manual review: threshold and timeout (defaults in review.ts), and the timer a variant starts. */
  review?: ReviewConfig;
  reviewTimer?: ReviewTimer;
}

export interface TestDeps {
  deps: StepDeps;
  steps: OrderSteps;
  orders: InMemoryOrderRepository;
  payments: InMemoryPaymentGateway;
  inventory: InMemoryInventoryStore;
  mailer: InMemoryMailer;
  catalog: Catalog;
}

/**
 * StepDeps over fresh in-memory ports, the steps built from them, and the fakes themselves to
 * inspect what a customer would notice: charges, refunds, stock, emails.
 *
 * @example
 * const { steps, payments, inventory } = createTestDeps({ stock: { 'SKU-MOUSE': 1 } });
 */
export function createTestDeps(overrides: TestDepsOverrides = {}): TestDeps {
  const catalog = overrides.catalog ?? createCatalog();
  const world = overrides.world ?? DEFAULT_OUTSIDE_WORLD;
  const initialStock = Object.fromEntries(catalog.entries.map((entry) => [entry.sku, entry.stock]));
  const orders = new InMemoryOrderRepository();
  const payments = new InMemoryPaymentGateway(world);
  const inventory = new InMemoryInventoryStore({ ...initialStock, ...overrides.stock });
  const mailer = new InMemoryMailer(world);
  const deps: StepDeps = {
    orders,
    payments,
    inventory,
    mailer,
    catalog,
    clock: overrides.clock ?? createTestClock(),
    variant: overrides.variant ?? 'test',
    ...(overrides.maxOrderTotalCents !== undefined ? { maxOrderTotalCents: overrides.maxOrderTotalCents } : {}),
    ...(overrides.review ? { review: overrides.review } : {}),
    ...(overrides.reviewTimer ? { reviewTimer: overrides.reviewTimer } : {}),
  };
  return { deps, steps: createOrderSteps(deps), orders, payments, inventory, mailer, catalog };
}
