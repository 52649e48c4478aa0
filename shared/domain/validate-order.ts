import { ValidationError } from './errors.ts';
import { parsePlaceOrderCommand } from './parse-order.ts';
import { priceOrder } from './price-order.ts';
import type { StepInput } from './order.ts';
import { DEFAULT_REVIEW_CONFIG, needsReview } from './review.ts';
import { loadOrder, runForwardStep, type StepDeps, type StepResult } from './step-runner.ts';

/** Credit limit per order: above it an order is REJECTED by the risk rule (never charged). */
export const DEFAULT_MAX_ORDER_TOTAL_CENTS = 1_000_000;

/**
 * First step: re-checks the accepted command against the current catalog (a message may come
 * from another producer than our API), prices it, and applies the business rules.
 * ACCEPTED -> VALIDATED; throws `ValidationError` (-> REJECTED). An order above the review
 * threshold comes back with `awaitsReview: true`: the variant parks it (await-review) instead of
 * charging it.
 *
 * @example
 * const result = await createValidateOrder(deps)({ orderId: 'o-1', attempt: 1 });
 * if (result.awaitsReview) await steps.awaitReview({ orderId: 'o-1', attempt: 1 });
 */
export function createValidateOrder(deps: StepDeps): (input: StepInput) => Promise<StepResult> {
  const limit = deps.maxOrderTotalCents ?? DEFAULT_MAX_ORDER_TOTAL_CENTS;
  const review = deps.review ?? DEFAULT_REVIEW_CONFIG;
  return async (input) => {
    let validatedTotal: number | undefined;
    const result = await runForwardStep(
      deps,
      'validate-order',
      input,
      { from: 'ACCEPTED', to: 'VALIDATED' },
      async (order) => {
        const command = parsePlaceOrderCommand(order.command, deps.catalog);
        const { lines, totalCents } = priceOrder(command.items, deps.catalog);
        if (totalCents > limit) {
          throw new ValidationError([
            { field: 'items', reason: `order total ${totalCents} cents exceeds the credit limit of ${limit} cents` },
          ]);
        }
        validatedTotal = totalCents;
        const awaitsReview = needsReview(totalCents, review);
        return { patch: { lines, totalCents }, detail: { totalCents, ...(awaitsReview ? { awaitsReview } : {}) } };
      },
    );
    if (result.status !== 'VALIDATED') return result;
    if (validatedTotal !== undefined)
      return needsReview(validatedTotal, review) ? { ...result, awaitsReview: true } : result;
    // A repeated delivery that finds the order VALIDATED (its hand-off was lost): parked and
    // approved already, it goes on; never parked, it still has to wait.
    const order = await loadOrder(deps, input.orderId);
    return needsReview(order.totalCents, review) && !order.review ? { ...result, awaitsReview: true } : result;
  };
}
