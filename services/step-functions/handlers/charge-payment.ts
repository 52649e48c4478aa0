import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state ChargePayment: VALIDATED -> PAYMENT_CHARGED; PaymentDeclinedError -> CancelOrder. */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'charge-payment', (input) => steps.chargePayment(input));
