import type { StepInput } from './order.ts';
import { runForwardStep, type StepDeps, type StepResult } from './step-runner.ts';

/**
 * Takes stock for every line. The store holds per order, so a repeat takes nothing twice, and on
 * `OutOfStockError` it has already given back the lines it took.
 * PAYMENT_CHARGED -> INVENTORY_RESERVED; throws `OutOfStockError` or `TransientDependencyError`.
 *
 * @example
 * await createReserveInventory(deps)({ orderId: 'o-1', attempt: 1 });
 */
export function createReserveInventory(deps: StepDeps): (input: StepInput) => Promise<StepResult> {
  return (input) =>
    runForwardStep(
      deps,
      'reserve-inventory',
      input,
      { from: 'PAYMENT_CHARGED', to: 'INVENTORY_RESERVED' },
      async (order) => {
        const items = order.lines ?? order.command.items;
        await deps.inventory.reserve(
          order.orderId,
          items.map(({ sku, qty }) => ({ sku, qty })),
        );
        return { detail: { skus: items.length } };
      },
    );
}
