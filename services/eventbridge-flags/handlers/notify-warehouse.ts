import { createDynamoDocumentClient } from '#adapters/clients';
import { requireEnv } from '#adapters/config';
import { DynamoOrderRepository } from '#adapters/dynamo-order-repository';
import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { createNotifyWarehouse } from '../lib/notify-warehouse.ts';
import { flagsConfig } from '../lib/wiring.ts';

/** OrderConfirmed -> warehouse pick entry: a second, independent consumer of the same event (fan-out). */
const config = flagsConfig();
const notifyWarehouse = createNotifyWarehouse({
  orders: new DynamoOrderRepository({ tableName: requireEnv('ORDERS_TABLE'), client: createDynamoDocumentClient() }),
  // The pick list is the (simulated) warehouse's books, beside the provider's in the ledger table:
  // not the pipeline's to pay, so not metered, as the load test leaves that table out too.
  client: createDynamoDocumentClient({ metered: false }),
  ledgerTable: requireEnv('LEDGER_TABLE'),
});

export const handler = createFlaggedStepHandler(config, {
  step: 'notify-warehouse',
  after: 'send-confirmation',
  run: notifyWarehouse,
  parksOrder: false,
});
