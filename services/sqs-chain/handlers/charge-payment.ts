import { createSqsStepHandler } from '../lib/sqs-step.ts';
import { chainConfig } from '../lib/wiring.ts';

/** SQS -> charge-payment -> next queue (business errors -> compensation queue). */
const config = chainConfig('CHARGE_PAYMENT_QUEUE_URL', 'RESERVE_INVENTORY_QUEUE_URL');

export const handler = createSqsStepHandler(config, 'charge-payment', config.steps.chargePayment, 'PAYMENT_CHARGED');
