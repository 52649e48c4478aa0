import { createStepsFromEnv } from '#adapters/composition';
import { createSchedulerClient, createSqsClient } from '#adapters/clients';
import type { ReviewTimer } from '#domain/review';
import type { ReviewSchedule } from './review.ts';
import { intFromEnv, requireEnv } from '#adapters/config';
import { type ChainConfig, DEFAULT_RETRY_BASE_SECONDS } from './sqs-step.ts';

export const VARIANT = 'sqs-chain';

/** Composition root of a chain step: env read once per cold start. */
export function chainConfig(
  sourceQueueEnv: string,
  nextQueueEnv?: string,
  options: { reviewTimer?: ReviewTimer } = {},
): ChainConfig {
  return {
    sqs: createSqsClient(),
    steps: createStepsFromEnv(VARIANT, process.env, options),
    sourceQueueUrl: requireEnv(sourceQueueEnv),
    ...(nextQueueEnv ? { nextQueueUrl: requireEnv(nextQueueEnv) } : {}),
    compensationQueueUrl: requireEnv('COMPENSATE_ORDER_QUEUE_URL'),
    maxReceiveCount: intFromEnv('MAX_RECEIVE_COUNT', 3),
    baseBackoffSeconds: intFromEnv('RETRY_BASE_SECONDS', DEFAULT_RETRY_BASE_SECONDS),
  };
}

/** Where a parked order's timeout schedule goes, and what it fires into (serverless.yml sets them). */
export function reviewScheduleFromEnv(): ReviewSchedule {
  return {
    scheduler: createSchedulerClient(),
    groupName: requireEnv('REVIEW_SCHEDULE_GROUP'),
    targetArn: requireEnv('REVIEW_TIMEOUT_TARGET_ARN'),
    roleArn: requireEnv('REVIEW_SCHEDULE_ROLE_ARN'),
    deadLetterArn: requireEnv('REVIEW_TIMEOUT_DLQ_ARN'),
  };
}
