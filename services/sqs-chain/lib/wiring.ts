import { createStepsFromEnv } from '#adapters/composition';
import { createSqsClient } from '#adapters/clients';
import { intFromEnv, requireEnv } from '#adapters/config';
import { type ChainConfig, DEFAULT_RETRY_BASE_SECONDS } from './sqs-step.ts';

export const VARIANT = 'sqs-chain';

/** Composition root of a chain step: env read once per cold start. */
export function chainConfig(sourceQueueEnv: string, nextQueueEnv?: string): ChainConfig {
  return {
    sqs: createSqsClient(),
    steps: createStepsFromEnv(VARIANT),
    sourceQueueUrl: requireEnv(sourceQueueEnv),
    ...(nextQueueEnv ? { nextQueueUrl: requireEnv(nextQueueEnv) } : {}),
    compensationQueueUrl: requireEnv('COMPENSATE_ORDER_QUEUE_URL'),
    maxReceiveCount: intFromEnv('MAX_RECEIVE_COUNT', 3),
    baseBackoffSeconds: intFromEnv('RETRY_BASE_SECONDS', DEFAULT_RETRY_BASE_SECONDS),
  };
}
