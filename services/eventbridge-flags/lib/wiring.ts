import { createEventBridgeClient, createDynamoDocumentClient } from '#adapters/clients';
import { createStepsFromEnv } from '#adapters/composition';
import { intFromEnv, requireEnv } from '#adapters/config';
import { DynamoOrderFlags } from './dynamo-order-flags.ts';
import type { EventPublisher } from './events.ts';
import type { FlagsConfig } from './flags-step.ts';

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
export function flagsConfig(): FlagsConfig {
  return {
    flags: new DynamoOrderFlags({ tableName: requireEnv('FLAGS_TABLE'), client: createDynamoDocumentClient() }),
    steps: createStepsFromEnv(VARIANT),
    publisher: publisherFromEnv(),
    // The function's maximumRetryAttempts (Lambda async invocation) plus the first attempt.
    maxAttempts: 1 + intFromEnv('MAXIMUM_RETRY_ATTEMPTS', 2),
  };
}
