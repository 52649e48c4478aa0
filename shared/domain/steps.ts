import { createAcceptOrder } from './accept-order.ts';
import { createAwaitReview } from './await-review.ts';
import { createCancelOrder } from './cancel-order.ts';
import { createChargePayment } from './charge-payment.ts';
import { createCompensateOrder } from './compensate-order.ts';
import { createFailOrder } from './fail-order.ts';
import { createRefundPayment } from './refund-payment.ts';
import { createRejectOrder } from './reject-order.ts';
import { createReleaseInventory } from './release-inventory.ts';
import { createReserveInventory } from './reserve-inventory.ts';
import { createReviewOrder } from './review-order.ts';
import { createSendConfirmation } from './send-confirmation.ts';
import { createTimeOutReview } from './time-out-review.ts';
import type { StepDeps } from './step-runner.ts';
import { createValidateOrder } from './validate-order.ts';

/**
 * All use cases of the order pipeline over one set of ports: what each variant's handlers call.
 *
 * @example
 * const steps = createOrderSteps(deps);
 * await steps.chargePayment({ orderId, attempt: 1 });
 */
export function createOrderSteps(deps: StepDeps) {
  return {
    acceptOrder: createAcceptOrder(deps),
    validateOrder: createValidateOrder(deps),
    chargePayment: createChargePayment(deps),
    reserveInventory: createReserveInventory(deps),
    sendConfirmation: createSendConfirmation(deps),
    refundPayment: createRefundPayment(deps),
    releaseInventory: createReleaseInventory(deps),
    cancelOrder: createCancelOrder(deps),
    rejectOrder: createRejectOrder(deps),
    failOrder: createFailOrder(deps),
    compensateOrder: createCompensateOrder(deps),
    awaitReview: createAwaitReview(deps),
    reviewOrder: createReviewOrder(deps),
    timeOutReview: createTimeOutReview(deps),
  };
}

export type OrderSteps = ReturnType<typeof createOrderSteps>;
