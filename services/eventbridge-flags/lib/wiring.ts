import { createEventBridgeClient, createDynamoDocumentClient } from '#adapters/clients';
import { createStepDepsFromEnv } from '#adapters/composition';
import { intFromEnv, requireEnv } from '#adapters/config';
import { reviewScheduleFromEnv, type ReviewSchedule } from '#adapters/review-schedule';
import type { ReviewTimer } from '#domain/review';
import { createOrderSteps } from '#domain/steps';
import { DynamoOrderFlags } from './dynamo-order-flags.ts';
import type { EventPublisher } from './events.ts';
import type { FlagsConfig } from './flags-step.ts';
import { timeoutEvent } from './review.ts';

export const VARIANT = 'eventbridge-flags';

/** The bus and source every event of this service goes out with (both set by serverless.yml). */
export function publisherFromEnv(): EventPublisher {
  return {
    eventBridge: createEventBridgeClient(),
    eventBusName: requireEnv('EVENT_BUS_NAME'),
    source: requireEnv('EVENT_SOURCE'),
  };
}

/** Composition root of a flagged step: env read once per cold start. */
export function flagsConfig(options: { reviewTimer?: ReviewTimer } = {}): FlagsConfig {
  const deps = createStepDepsFromEnv(VARIANT, process.env, options);
  return {
    flags: new DynamoOrderFlags({ tableName: requireEnv('FLAGS_TABLE'), client: createDynamoDocumentClient() }),
    steps: createOrderSteps(deps),
    orders: deps.orders,
    publisher: publisherFromEnv(),
    // The function's maximumRetryAttempts (Lambda async invocation) plus the first attempt.
    maxAttempts: 1 + intFromEnv('MAXIMUM_RETRY_ATTEMPTS', 2),
  };
}

/**
 * A waiting order's timeout: a schedule in the stack's group that puts `ReviewTimedOut` on this
 * service's bus, with this service's source (serverless.yml sets the group, bus and role).
 */
export function reviewScheduleOf(source: string = requireEnv('EVENT_SOURCE')): ReviewSchedule {
  return reviewScheduleFromEnv((order, busArn) => timeoutEvent(order, busArn, source));
}
