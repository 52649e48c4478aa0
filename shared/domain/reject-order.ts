import { endOrder, type CompensationInput } from './compensation.ts';
import type { StepDeps, StepResult } from './step-runner.ts';

/**
 * Ends an order that failed validation REJECTED: nothing was charged or reserved, so there is
 * nothing to undo.
 *
 * @example
 * await createRejectOrder(deps)({ orderId: 'o-1', attempt: 1, reason: 'ValidationError' });
 */
export function createRejectOrder(deps: StepDeps): (input: CompensationInput) => Promise<StepResult> {
  return (input) => endOrder(deps, 'reject-order', input, 'REJECTED');
}
