import { OrderNotAwaitingReviewError, OrderNotFoundError, type RecordedReviewDecision } from './errors.ts';
import type { OrderRecord } from './order.ts';
import { DECISION_OUTCOMES } from './review.ts';
import type { Clock, OrderRepository } from './ports.ts';

export interface ReviewOrderCommand {
  decision: 'approve' | 'reject';
  /** Who decided (1-128 characters). */
  reviewer: string;
}

export interface ReviewOrderDeps {
  orders: OrderRepository;
  clock: Clock;
  variant: string;
}

/**
 * What recording a reviewer's decision found: `recorded` when this decision won; otherwise the
 * order was decided before (by a reviewer or the timeout) and `order` shows that decision.
 */
export interface ReviewOutcome {
  order: OrderRecord;
  recorded: boolean;
}

/**
 * `POST /orders/{orderId}/review`: records a reviewer's decision on an order AWAITING_REVIEW in
 * one conditional write (exactly one of approve, reject and the timeout wins). approve takes the
 * order back to VALIDATED, from where the variant continues it at charge-payment; reject ends it
 * CANCELLED (ReviewRejected), never charged. Throws `OrderNotFoundError` (404) or
 * `OrderNotAwaitingReviewError` (409); a decision made before answers `recorded: false`.
 *
 * @example
 * const { order, recorded } = await createReviewOrder(deps)('o-1', { decision: 'approve', reviewer: 'ada' });
 */
export function createReviewOrder(
  deps: ReviewOrderDeps,
): (orderId: string, command: ReviewOrderCommand) => Promise<ReviewOutcome> {
  return async (orderId, command) => {
    const order = await deps.orders.get(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    if (order.review?.decision) return { order, recorded: false };
    if (order.status !== 'AWAITING_REVIEW') throw new OrderNotAwaitingReviewError(orderId, order.status);
    const decidedAt = deps.clock.now().toISOString();
    const { to, reason } = DECISION_OUTCOMES[command.decision];
    const entry = {
      step: 'review-order' as const,
      outcome: 'succeeded' as const,
      attempt: 1,
      at: decidedAt,
      variant: deps.variant,
      detail: { decision: command.decision, reviewer: command.reviewer },
    };
    const recorded = await deps.orders.recordReviewDecision(orderId, {
      decision: command.decision,
      reviewer: command.reviewer,
      decidedAt,
      to,
      ...(reason ? { reason } : {}),
      entry,
    });
    if (!recorded) {
      // Another decision (or the timeout) won between the read and the write.
      const current = await deps.orders.get(orderId);
      if (current?.review?.decision) return { order: current, recorded: false };
      throw new OrderNotAwaitingReviewError(orderId, current?.status ?? order.status);
    }
    return {
      recorded: true,
      order: {
        ...order,
        status: to,
        ...(reason ? { reason } : {}),
        updatedAt: decidedAt,
        ...(to === 'CANCELLED' ? { terminalAt: decidedAt } : {}),
        review: { ...order.review!, decision: command.decision, reviewer: command.reviewer, decidedAt },
        timeline: [...order.timeline, entry],
      },
    };
  };
}

/** The decision that won, as a second decision's 409 shows it. */
export function recordedDecision(order: OrderRecord): RecordedReviewDecision | undefined {
  const review = order.review;
  if (!review?.decision) return undefined;
  return {
    decision: review.decision,
    ...(review.reviewer ? { reviewer: review.reviewer } : {}),
    ...(review.decidedAt ? { decidedAt: review.decidedAt } : {}),
  };
}
