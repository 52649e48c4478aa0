import { createSqsStepHandler } from '../lib/sqs-step.ts';
import { chainConfig } from '../lib/wiring.ts';

/** SQS -> validate-order -> next queue (business errors -> compensation queue). */
const config = chainConfig('VALIDATE_ORDER_QUEUE_URL', 'CHARGE_PAYMENT_QUEUE_URL');

export const handler = createSqsStepHandler(config, 'validate-order', config.steps.validateOrder, 'VALIDATED');
