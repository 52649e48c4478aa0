import { endOrder, type CompensationInput } from './compensation.ts';
import type { StepDeps, StepResult } from './step-runner.ts';

/**
 * Last compensation: ends the order CANCELLED with the reason (e.g. `PaymentDeclinedError`).
 * Run it after refund-payment and release-inventory (last in, first out).
 *
 * @example
 * await createCancelOrder(deps)({ orderId: 'o-1', attempt: 1, reason: 'PaymentDeclinedError' });
 */
export function createCancelOrder(deps: StepDeps): (input: CompensationInput) => Promise<StepResult> {
  return (input) => endOrder(deps, 'cancel-order', input, 'CANCELLED');
}
