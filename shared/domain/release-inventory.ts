import { runInverseStep, type CompensationInput } from './compensation.ts';
import type { StepDeps, StepResult } from './step-runner.ts';

/**
 * Inverse of reserve-inventory: gives back whatever this order holds (nothing, if the
 * reservation never happened or already rolled itself back). Moves the order to COMPENSATING.
 *
 * @example
 * await createReleaseInventory(deps)({ orderId: 'o-1', attempt: 1, reason: 'OutOfStockError' });
 */
export function createReleaseInventory(deps: StepDeps): (input: CompensationInput) => Promise<StepResult> {
  return (input) =>
    runInverseStep(deps, 'release-inventory', input, async (order) => {
      const items = (order.lines ?? order.command.items).map(({ sku, qty }) => ({ sku, qty }));
      const { released } = await deps.inventory.release(order.orderId, items);
      return { detail: { released: released.length } };
    });
}
