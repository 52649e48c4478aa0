import { createCancelOrder } from './cancel-order.ts';
import type { CompensationInput } from './compensation.ts';
import { loadOrder, hasSucceeded, type StepDeps, type StepResult } from './step-runner.ts';
import { createRefundPayment } from './refund-payment.ts';
import { createRejectOrder } from './reject-order.ts';
import { createReleaseInventory } from './release-inventory.ts';
import { REVIEW_TIMED_OUT } from './review.ts';
import { createTimeOutReview } from './time-out-review.ts';

/**
 * Unwinds an order after a business failure, last in first out: release the stock it holds,
 * refund its charge, then cancel it. A validation failure ends it REJECTED instead (nothing to
 * undo). Each inverse runs at most once, so a repeated compensation message is harmless. A
 * review's timeout (reason ReviewTimedOut) arrives here too: it cancels the order unless a
 * reviewer decided first (nothing was charged or held while it waited).
 * Used by the variants that compensate in code: their compensation hop (a queue or a rule, and
 * a function) is named `compensate-order`, and the entries it writes carry the names of the
 * steps it runs, as the states of Step Functions, which spells the same sequence out, do.
 *
 * @example
 * await createCompensateOrder(deps)({ orderId: 'o-1', attempt: 1, reason: 'OutOfStockError' });
 */
export function createCompensateOrder(deps: StepDeps): (input: CompensationInput) => Promise<StepResult> {
  const release = createReleaseInventory(deps);
  const refund = createRefundPayment(deps);
  const cancel = createCancelOrder(deps);
  const reject = createRejectOrder(deps);
  const timeOut = createTimeOutReview(deps);
  return async (input) => {
    if (input.reason === 'ValidationError') return reject(input);
    if (input.reason === REVIEW_TIMED_OUT) return timeOut(input);
    const order = await loadOrder(deps, input.orderId);
    if (order.lines && (hasSucceeded(order, 'reserve-inventory') || input.reason === 'OutOfStockError'))
      await release(input);
    if (order.chargeId) await refund(input);
    return cancel(input);
  };
}
