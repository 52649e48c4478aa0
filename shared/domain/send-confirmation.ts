import type { StepInput } from './order.ts';
import { runForwardStep, type StepDeps, type StepResult } from './step-runner.ts';

/**
 * Emails the customer and ends the order CONFIRMED. The mail provider deduplicates on
 * `<orderId>#confirmation`. INVENTORY_RESERVED -> CONFIRMED; throws `TransientDependencyError`.
 *
 * @example
 * await createSendConfirmation(deps)({ orderId: 'o-1', attempt: 1 });
 */
export function createSendConfirmation(deps: StepDeps): (input: StepInput) => Promise<StepResult> {
  return (input) =>
    runForwardStep(deps, 'send-confirmation', input, { from: 'INVENTORY_RESERVED', to: 'CONFIRMED' }, async (order) => {
      const { messageId } = await deps.mailer.send({
        idempotencyKey: `${order.orderId}#confirmation`,
        orderId: order.orderId,
        to: order.command.email,
        subject: `Order ${order.orderId} confirmed`,
        body:
          `Thank you. ${order.lines?.length ?? 0} line(s), ${order.totalCents ?? 0} ${order.command.currency} ` +
          `cents charged.`,
      });
      return { detail: { messageId } };
    });
}
