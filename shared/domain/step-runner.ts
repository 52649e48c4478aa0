import { OrderNotFoundError, DomainError } from './errors.ts';
import type { Catalog } from './catalog.ts';
import type { OrderRecord, OrderStatus, StepInput, StepName, TimelineEntry } from './order.ts';
import type { Clock, InventoryStore, Mailer, OrderRepository, PaymentGateway } from './ports.ts';
import type { ReviewConfig, ReviewTimer } from './review.ts';

/** Everything a step needs; built once per Lambda by its composition root. */
export interface StepDeps {
  orders: OrderRepository;
  payments: PaymentGateway;
  inventory: InventoryStore;
  mailer: Mailer;
  catalog: Catalog;
  clock: Clock;
  /** Which variant runs the step: written into timeline entries. */
  variant: string;
  /** Business rules of validation. */
  maxOrderTotalCents?: number;
  /** Manual review: the threshold and the timeout (defaults in review.ts). */
  review?: ReviewConfig;
  /** Starts a parked order's timeout, where the variant's own mechanism does not (a schedule). */
  reviewTimer?: ReviewTimer;
  /**
   * Runs the work that exists only because an order waits (park, timeout), so its units are
   * counted as waiting cost (`duringWait` of shared/observability/usage.ts); absent: just runs it.
   */
  measureWait?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** What every step returns: the order's status after it, and whether it was a repeat. */
export interface StepResult {
  orderId: string;
  status: OrderStatus;
  /** True when the step had already run for this order: nothing was done twice. */
  duplicate: boolean;
  correlationId?: string;
  /**
   * validate-order only: the order is above the review threshold and not reviewed yet. The variant
   * parks it (await-review) instead of charging it.
   */
  awaitsReview?: boolean;
}

/**
 * A step's predecessor is not done yet (an event that overtook another). Retryable: the
 * predecessor will finish, or the order ends and the retry becomes a duplicate.
 */
export class StepOutOfOrderError extends DomainError {
  override readonly name = 'StepOutOfOrderError' as const;
  readonly retryable = true;
  constructor(
    readonly orderId: string,
    readonly step: StepName,
    readonly status: OrderStatus,
  ) {
    super(`order ${orderId}: ${step} cannot run while the order is ${status}`);
  }
}

export function timelineEntry(
  deps: StepDeps,
  step: TimelineEntry['step'],
  input: StepInput,
  outcome: TimelineEntry['outcome'],
  extra: Partial<TimelineEntry> = {},
): TimelineEntry {
  return {
    step,
    outcome,
    attempt: input.attempt,
    at: deps.clock.now().toISOString(),
    variant: deps.variant,
    ...(input.run !== undefined ? { run: input.run } : {}),
    ...extra,
  };
}

export async function loadOrder(deps: StepDeps, orderId: string): Promise<OrderRecord> {
  const order = await deps.orders.get(orderId);
  if (!order) throw new OrderNotFoundError(orderId);
  return order;
}

/**
 * Runs a step body and records a failed attempt on the timeline before rethrowing, so retries and
 * business failures are visible per order whatever the transport.
 */
export async function recordingFailures<T>(
  deps: StepDeps,
  step: StepName,
  input: StepInput,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof OrderNotFoundError)) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      await deps.orders.appendTimeline(
        input.orderId,
        timelineEntry(deps, step, input, 'failed', { error: { name, message } }),
      );
    }
    throw error;
  }
}

/**
 * Where the order stands relative to a forward step that runs from `from` and moves to `to`:
 * `run` it, it is a `duplicate` (already past), or it is `early` (predecessor not done).
 */
export function positionOf(order: OrderRecord, from: OrderStatus): 'run' | 'duplicate' | 'early' {
  const effective = order.status === 'FAILED' ? order.resumeStatus : order.status;
  if (effective === from) return 'run';
  const forward: OrderStatus[] = ['ACCEPTED', 'VALIDATED', 'PAYMENT_CHARGED', 'INVENTORY_RESERVED', 'CONFIRMED'];
  const at = forward.indexOf(effective ?? order.status);
  if (at >= 0 && at < forward.indexOf(from)) return 'early';
  return 'duplicate';
}

/** Records a repeated delivery on the timeline and answers with the order's current status. */
export async function duplicateOf(
  deps: StepDeps,
  step: StepName,
  input: StepInput,
  order: OrderRecord,
): Promise<StepResult> {
  await deps.orders.appendTimeline(order.orderId, timelineEntry(deps, step, input, 'duplicate'));
  return { orderId: order.orderId, status: order.status, duplicate: true, correlationId: order.correlationId };
}

/** Statuses from which compensation may start: any order not yet ended, or parked as FAILED. */
export const COMPENSABLE: readonly OrderStatus[] = [
  'ACCEPTED',
  'VALIDATED',
  'PAYMENT_CHARGED',
  'INVENTORY_RESERVED',
  'COMPENSATING',
  'FAILED',
];

export interface ForwardEffect {
  patch?: import('./ports.ts').OrderPatch;
  detail?: Record<string, unknown>;
}

/**
 * The shape of every forward step: load the order, make sure it stands just after this step's
 * predecessor (else it is a duplicate or too early), do the side effect (itself idempotent on the
 * orderId), then move the status with a conditional write that fails for a concurrent repeat.
 */
export async function runForwardStep(
  deps: StepDeps,
  step: StepName,
  input: StepInput,
  move: { from: OrderStatus; to: OrderStatus },
  effect: (order: OrderRecord) => Promise<ForwardEffect>,
): Promise<StepResult> {
  return recordingFailures(deps, step, input, async () => {
    const order = await loadOrder(deps, input.orderId);
    const position = positionOf(order, move.from);
    if (position === 'duplicate') return duplicateOf(deps, step, input, order);
    if (position === 'early') throw new StepOutOfOrderError(order.orderId, step, order.status);
    const { patch, detail } = await effect(order);
    const entry = timelineEntry(deps, step, input, 'succeeded', detail ? { detail } : {});
    const moved = await deps.orders.transition(order.orderId, {
      from: [move.from],
      to: move.to,
      resumeFrom: move.from,
      entry,
      ...(patch ? { patch } : {}),
    });
    if (!moved) return duplicateOf(deps, step, input, await loadOrder(deps, input.orderId));
    return { orderId: order.orderId, status: move.to, duplicate: false, correlationId: order.correlationId };
  });
}

/** True when the timeline shows this step done: compensations use it to run at most once. */
export function hasSucceeded(order: OrderRecord, step: StepName): boolean {
  return order.timeline.some((entry) => entry.step === step && entry.outcome === 'succeeded');
}
