import { runInverseStep, type CompensationInput } from './compensation.ts';
import type { StepDeps, StepResult } from './step-runner.ts';

/**
 * Inverse of charge-payment: refunds the charge, if there was one, keyed `<orderId>#refund` at
 * the provider so it happens once. Moves the order to COMPENSATING.
 *
 * @example
 * await createRefundPayment(deps)({ orderId: 'o-1', attempt: 1, reason: 'OutOfStockError' });
 */
export function createRefundPayment(deps: StepDeps): (input: CompensationInput) => Promise<StepResult> {
  return (input) =>
    runInverseStep(deps, 'refund-payment', input, async (order) => {
      if (!order.chargeId) return { detail: { refunded: false } };
      const { refundId } = await deps.payments.refund({
        idempotencyKey: `${order.orderId}#refund`,
        orderId: order.orderId,
        chargeId: order.chargeId,
        amountCents: order.totalCents ?? 0,
      });
      return { detail: { refunded: true, refundId, amountCents: order.totalCents ?? 0 } };
    });
}
