import { createSqsStepHandler } from '../lib/sqs-step.ts';
import { chainConfig } from '../lib/wiring.ts';

/** SQS -> send-confirmation -> next queue (business errors -> compensation queue). */
const config = chainConfig('SEND_CONFIRMATION_QUEUE_URL');

export const handler = createSqsStepHandler(config, 'send-confirmation', config.steps.sendConfirmation);
