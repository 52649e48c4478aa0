import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient } from '#adapters/clients';
import type { VariantHarness } from '#test/helpers/variant-harness';

/** The warehouse notices eventbridge-flags' fan-out left in the ledger for an order (one per pick). */
export async function warehousePicks(harness: VariantHarness, orderId: string): Promise<unknown[]> {
  const db = createDynamoDocumentClient({ config: harness.cloud.awsConfig, metered: false });
  try {
    const { Items } = await db.send(
      new QueryCommand({
        TableName: harness.probe.tables.ledger,
        KeyConditionExpression: 'orderId = :o AND begins_with(entryId, :w)',
        ExpressionAttributeValues: { ':o': orderId, ':w': 'warehouse#' },
        ConsistentRead: true,
      }),
    );
    return Items ?? [];
  } finally {
    db.destroy();
  }
}
