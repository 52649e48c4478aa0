import type { StepInput } from './order.ts';
import { DECISION_OUTCOMES, DEFAULT_REVIEW_CONFIG, needsReview } from './review.ts';
import {
  duplicateOf,
  loadOrder,
  recordingFailures,
  StepOutOfOrderError,
  timelineEntry,
  type StepDeps,
  type StepResult,
} from './step-runner.ts';

/**
 * The review's timeout fired: records the decision `timeout` in the same conditional write a
 * reviewer's decision uses (only while the order is AWAITING_REVIEW with no decision), so
 * exactly one of them wins, and ends the order CANCELLED (ReviewTimedOut), never charged. When a
 * reviewer decided first, it is a duplicate and changes nothing. A timeout that arrives before
 * the order is parked (its park step is being retried) is early: retried, never dropped.
 *
 * @example
 * await createTimeOutReview(deps)({ orderId: 'o-1', attempt: 1 });
 */
export function createTimeOutReview(deps: StepDeps): (input: StepInput) => Promise<StepResult> {
  const config = deps.review ?? DEFAULT_REVIEW_CONFIG;
  const measured = deps.measureWait ?? ((work) => work());
  return (input) =>
    measured(() =>
      recordingFailures(deps, 'time-out-review', input, async () => {
        const order = await loadOrder(deps, input.orderId);
        if (order.status === 'VALIDATED' && !order.review && needsReview(order.totalCents, config))
          throw new StepOutOfOrderError(order.orderId, 'time-out-review', order.status);
        if (order.status !== 'AWAITING_REVIEW' || order.review?.decision)
          return duplicateOf(deps, 'time-out-review', input, order);
        const { to, reason } = DECISION_OUTCOMES.timeout;
        const entry = timelineEntry(deps, 'time-out-review', input, 'succeeded', { detail: { decision: 'timeout' } });
        const recorded = await deps.orders.recordReviewDecision(order.orderId, {
          decision: 'timeout',
          decidedAt: entry.at,
          to,
          ...(reason ? { reason } : {}),
          entry,
        });
        if (!recorded) return duplicateOf(deps, 'time-out-review', input, await loadOrder(deps, input.orderId));
        return { orderId: order.orderId, status: to, duplicate: false, correlationId: order.correlationId };
      }),
    );
}
