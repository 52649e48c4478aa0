import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDocumentClient } from '../../shared/adapters/clients.ts';
import { DynamoInventoryStore } from '../../shared/adapters/dynamo-inventory-store.ts';
import { DynamoOrderRepository } from '../../shared/adapters/dynamo-order-repository.ts';
import { readLedger, SimulatedMailer, SimulatedPaymentGateway } from '../../shared/adapters/simulated-outside-world.ts';
import { createCatalog } from '../../shared/domain/catalog.ts';
import { isBusinessError, isRetryable } from '../../shared/domain/errors.ts';
import { checkInvariants } from '../../shared/domain/invariants.ts';
import type { OrderRecord } from '../../shared/domain/order.ts';
import { DEFAULT_OUTSIDE_WORLD } from '../../shared/domain/outside-world.ts';
import { systemClock } from '../../shared/domain/ports.ts';
import { createOrderSteps } from '../../shared/domain/steps.ts';
import type { StepResult } from '../../shared/domain/step-runner.ts';
import { takeUsage } from '../../shared/observability/usage.ts';
import type { LocalCloud } from '../local-cloud/cloud.ts';
import type { VariantRun } from '../report/types.ts';
import type { WorkloadOrder } from './workload.ts';

/** Retries of a transient failure: the same 3 attempts as every variant, but without waiting. */
const ATTEMPTS = 3;

/**
 * The lower bound: the same steps over the same DynamoDB adapters and simulated providers, called
 * one after another in this process, with no queue, bus or state machine between them. Every
 * variant's overhead is measured against it.
 */
export async function runBaseline(cloud: LocalCloud, orders: readonly WorkloadOrder[], concurrency: number, seed: number): Promise<VariantRun> {
  const prefix = `baseline-${Date.now().toString(36)}`;
  const tables = { orders: `${prefix}-orders`, inventory: `${prefix}-inventory`, ledger: `${prefix}-ledger` };
  await createTables(cloud, tables);
  const client = createDynamoDocumentClient({ config: cloud.awsConfig });
  const world = { ...DEFAULT_OUTSIDE_WORLD, seed };
  const unmetered = createDynamoDocumentClient({ config: cloud.awsConfig, metered: false });
  const inventory = new DynamoInventoryStore({ tableName: tables.inventory, client });
  await new DynamoInventoryStore({ tableName: tables.inventory, client: unmetered }).seed(createCatalog().entries);
  const orderRepo = new DynamoOrderRepository({ tableName: tables.orders, client });
  const steps = createOrderSteps({
    orders: orderRepo, inventory, catalog: createCatalog(), clock: systemClock, variant: 'baseline',
    payments: new SimulatedPaymentGateway({ tableName: tables.ledger, config: world, client: unmetered }),
    mailer: new SimulatedMailer({ tableName: tables.ledger, config: world, client: unmetered }),
  });
  takeUsage();
  const startedAt = Date.now();
  let next = 0;
  const records: OrderRecord[] = [];
  const lane = async () => {
    while (next < orders.length) {
      const { command } = orders[next++]!;
      const { order } = await steps.acceptOrder(command);
      await runPipeline(steps, order.orderId);
      records.push((await orderRepo.get(order.orderId))!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, orders.length)) }, lane));
  const wallClockMs = Date.now() - startedAt;
  const usage = takeUsage();
  const stock = await new DynamoInventoryStore({ tableName: tables.inventory, client: unmetered }).snapshot();
  const ledger = await readLedger({ tableName: tables.ledger, client: unmetered });
  const violations = checkInvariants({ acceptedOrderIds: records.map((r) => r.orderId), orders: records, ledger, stock, parkedOrderIds: new Set(records.filter((r) => r.status === 'FAILED').map((r) => r.orderId)) });
  return {
    name: 'baseline',
    orders: records.map((r) => ({
      orderId: r.orderId, acceptedAtMs: Date.parse(r.createdAt), ...(r.terminalAt ? { terminalAtMs: Date.parse(r.terminalAt) } : {}),
      status: r.status, ...(r.reason ? { reason: r.reason } : {}), timeline: r.timeline, modelledAwsExtraMs: 0,
    })),
    counts: usage, wallClockMs, templateResources: 0, orchestrationLoc: 0, invariantViolations: violations,
  };
}

type Steps = ReturnType<typeof createOrderSteps>;

async function runPipeline(steps: Steps, orderId: string): Promise<void> {
  const chain = [
    ['validate-order', steps.validateOrder], ['charge-payment', steps.chargePayment],
    ['reserve-inventory', steps.reserveInventory], ['send-confirmation', steps.sendConfirmation],
  ] as const;
  for (const [name, step] of chain) {
    const outcome = await withRetries((attempt) => step({ orderId, attempt }));
    if (outcome.kind === 'business') {
      await steps.compensateOrder({ orderId, attempt: 1, reason: outcome.error });
      return;
    }
    if (outcome.kind === 'exhausted') {
      await steps.failOrder({ orderId, attempt: ATTEMPTS, reason: `${outcome.error}@${name}` });
      return;
    }
  }
}

async function withRetries(run: (attempt: number) => Promise<StepResult>): Promise<{ kind: 'ok' } | { kind: 'business' | 'exhausted'; error: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run(attempt);
      return { kind: 'ok' };
    } catch (error) {
      const name = (error as Error).name;
      if (isBusinessError(error)) return { kind: 'business', error: name };
      if (!isRetryable(error)) throw error;
      if (attempt >= ATTEMPTS) return { kind: 'exhausted', error: name };
    }
  }
}

async function createTables(cloud: LocalCloud, tables: { orders: string; inventory: string; ledger: string }): Promise<void> {
  const S = 'S' as const;
  await cloud.dynamo.send(new CreateTableCommand({ TableName: tables.orders, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: S }], KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }] }));
  await cloud.dynamo.send(new CreateTableCommand({ TableName: tables.inventory, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'sku', AttributeType: S }], KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }] }));
  await cloud.dynamo.send(new CreateTableCommand({
    TableName: tables.ledger, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: S }, { AttributeName: 'entryId', AttributeType: S }],
    KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }, { AttributeName: 'entryId', KeyType: 'RANGE' }],
  }));
}
