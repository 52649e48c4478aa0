import type { StepInput } from './order.ts';
import { runForwardStep, type StepDeps, type StepResult } from './step-runner.ts';

/**
 * Charges the order total. The provider deduplicates on `<orderId>#charge`, so a repeated
 * delivery that gets past the status check (a race of two copies) still charges once.
 * VALIDATED -> PAYMENT_CHARGED; throws `PaymentDeclinedError` or `TransientDependencyError`.
 *
 * @example
 * await createChargePayment(deps)({ orderId: 'o-1', attempt: 1 });
 */
export function createChargePayment(deps: StepDeps): (input: StepInput) => Promise<StepResult> {
  return (input) =>
    runForwardStep(deps, 'charge-payment', input, { from: 'VALIDATED', to: 'PAYMENT_CHARGED' }, async (order) => {
      const charge = await deps.payments.charge({
        idempotencyKey: `${order.orderId}#charge`,
        orderId: order.orderId,
        amountCents: order.totalCents ?? 0,
        currency: order.command.currency,
        paymentToken: order.command.paymentToken,
      });
      return {
        patch: { chargeId: charge.chargeId },
        detail: { chargeId: charge.chargeId, amountCents: charge.amountCents },
      };
    });
}
