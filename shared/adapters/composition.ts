import { createCatalog } from '../domain/catalog.ts';
import { outsideWorldFromEnv } from '../domain/outside-world.ts';
import { systemClock } from '../domain/ports.ts';
import { DEFAULT_REVIEW_THRESHOLD_CENTS, DEFAULT_REVIEW_TIMEOUT_SECONDS, type ReviewTimer } from '../domain/review.ts';
import { createOrderSteps, type OrderSteps } from '../domain/steps.ts';
import type { StepDeps } from '../domain/step-runner.ts';
import { createDynamoDocumentClient } from './clients.ts';
import { awsConfigFromEnv, intFromEnv, tableNamesFromEnv } from './config.ts';
import { DynamoInventoryStore } from './dynamo-inventory-store.ts';
import { DynamoOrderRepository } from './dynamo-order-repository.ts';
import { SimulatedMailer, SimulatedPaymentGateway } from './simulated-outside-world.ts';
import { duringWait } from '../observability/usage.ts';

/**
 * The composition root every Lambda uses: ports wired to DynamoDB and the simulated providers,
 * from the environment its `serverless.yml` sets. Called once per cold start.
 *
 * @example
 * const steps = createStepsFromEnv('sqs-chain');
 */
export function createStepDepsFromEnv(
  variant: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { reviewTimer?: ReviewTimer } = {},
): StepDeps {
  // Everything from `env` (the Lambda's process.env by default, a test's own map otherwise).
  const tables = tableNamesFromEnv(env);
  const config = awsConfigFromEnv(env);
  const client = createDynamoDocumentClient({ config });
  // The providers are not ours to pay for: their client is not metered.
  const providersClient = createDynamoDocumentClient({ config, metered: false });
  const world = outsideWorldFromEnv(env);
  return {
    orders: new DynamoOrderRepository({ tableName: tables.orders, client }),
    inventory: new DynamoInventoryStore({ tableName: tables.inventory, client }),
    payments: new SimulatedPaymentGateway({ tableName: tables.ledger, config: world, client: providersClient }),
    mailer: new SimulatedMailer({ tableName: tables.ledger, config: world, client: providersClient }),
    catalog: createCatalog(),
    clock: systemClock,
    variant,
    maxOrderTotalCents: intFromEnv('MAX_ORDER_TOTAL_CENTS', 1_000_000, env),
    review: {
      thresholdCents: intFromEnv('REVIEW_THRESHOLD_CENTS', DEFAULT_REVIEW_THRESHOLD_CENTS, env),
      timeoutSeconds: intFromEnv('REVIEW_TIMEOUT_SECONDS', DEFAULT_REVIEW_TIMEOUT_SECONDS, env),
    },
    ...(options.reviewTimer ? { reviewTimer: options.reviewTimer } : {}),
    measureWait: duringWait,
  };
}

export function createStepsFromEnv(
  variant: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { reviewTimer?: ReviewTimer } = {},
): OrderSteps {
  return createOrderSteps(createStepDepsFromEnv(variant, env, options));
}
