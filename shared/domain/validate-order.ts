import { ValidationError } from './errors.ts';
import { parsePlaceOrderCommand } from './parse-order.ts';
import { priceOrder } from './price-order.ts';
import type { StepInput } from './order.ts';
import { runForwardStep, type StepDeps, type StepResult } from './step-runner.ts';

/** Credit limit per order: above it an order is REJECTED by the risk rule (never charged). */
export const DEFAULT_MAX_ORDER_TOTAL_CENTS = 1_000_000;

/**
 * First step: re-checks the accepted command against the current catalog (a message may come
 * from another producer than our API), prices it, and applies the business rules.
 * ACCEPTED -> VALIDATED; throws `ValidationError` (-> REJECTED).
 *
 * @example
 * const result = await createValidateOrder(deps)({ orderId: 'o-1', attempt: 1 });
 */
export function createValidateOrder(deps: StepDeps): (input: StepInput) => Promise<StepResult> {
  const limit = deps.maxOrderTotalCents ?? DEFAULT_MAX_ORDER_TOTAL_CENTS;
  return (input) =>
    runForwardStep(deps, 'validate-order', input, { from: 'ACCEPTED', to: 'VALIDATED' }, async (order) => {
      const command = parsePlaceOrderCommand(order.command, deps.catalog);
      const { lines, totalCents } = priceOrder(command.items, deps.catalog);
      if (totalCents > limit) {
        throw new ValidationError([
          { field: 'items', reason: `order total ${totalCents} cents exceeds the credit limit of ${limit} cents` },
        ]);
      }
      return { patch: { lines, totalCents }, detail: { totalCents } };
    });
}
