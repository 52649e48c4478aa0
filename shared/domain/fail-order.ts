import { endOrder, type CompensationInput } from './compensation.ts';
import type { StepDeps, StepResult } from './step-runner.ts';

/**
 * Parks an order FAILED when a step's retries are exhausted; the message or execution that holds
 * it stays replayable, and a redriven step resumes from where it failed.
 *
 * @example
 * await createFailOrder(deps)({ orderId: 'o-1', attempt: 3, reason: 'TransientDependencyError@charge-payment' });
 */
export function createFailOrder(deps: StepDeps): (input: CompensationInput) => Promise<StepResult> {
  return (input) => endOrder(deps, 'fail-order', input, 'FAILED');
}
