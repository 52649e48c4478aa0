import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callAws, isConditionFailure } from '#adapters/aws-errors';
import type { OrderRepository } from '#domain/ports';

export interface WarehouseDeps {
  orders: OrderRepository;
  client: DynamoDBDocumentClient;
  /** The ledger table: the warehouse's pick list lives beside the provider's books, keyed by order. */
  ledgerTable: string;
}

/** The pick entry's sort key: one per order, so a second notice finds it and does nothing. */
export const WAREHOUSE_PICK_ENTRY = 'warehouse#pick';

/**
 * An independent consumer of `OrderConfirmed` (fan-out): tells the warehouse to pick a confirmed
 * order's lines. Not part of the pipeline's outcome; it only reads the order and writes its own
 * entry, once.
 *
 * @example
 * await createNotifyWarehouse(deps)({ orderId: 'o-1', attempt: 1 });
 */
export function createNotifyWarehouse(deps: WarehouseDeps) {
  return async (input: { orderId: string }): Promise<void> => {
    const order = await deps.orders.get(input.orderId);
    // Only a confirmed order is picked (a stray OrderConfirmed for another status is ignored).
    if (order?.status !== 'CONFIRMED') return;
    try {
      await callAws('ledger-table', () =>
        deps.client.send(
          new PutCommand({
            TableName: deps.ledgerTable,
            Item: {
              orderId: order.orderId,
              entryId: WAREHOUSE_PICK_ENTRY,
              kind: 'warehouse-pick',
              items: order.lines ?? order.command.items,
              at: new Date().toISOString(),
            },
            // attribute_not_exists: one pick per order, whatever the number of notices.
            ConditionExpression: 'attribute_not_exists(entryId)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  };
}
