import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CatalogEntry } from '../domain/catalog.ts';
import { OutOfStockError } from '../domain/errors.ts';
import type { StockSnapshot } from '../domain/invariants.ts';
import type { OrderItem } from '../domain/order.ts';
import type { InventoryStore } from '../domain/ports.ts';
import { callAws, isConditionFailure } from './aws-errors.ts';
import { createDynamoDocumentClient } from './clients.ts';

export interface DynamoInventoryStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
}

interface SkuItem {
  sku: string;
  stock: number;
  initialStock: number;
  holds: Record<string, number>;
}

/**
 * The `inventory` table: one item per SKU with its stock and a map of holds by orderId.
 * Taking stock and recording the hold is ONE conditional UpdateItem on ONE item, so it is atomic
 * without transactions (dynalite has none) and a repeat for the same order takes nothing: the
 * hold already exists. A multi-SKU order reserves item by item, in SKU order, and gives back what
 * it took when a line cannot be had.
 * Trade-off, stated: the holds map grows with the orders a SKU has sold (400 KB item cap, about
 * 10,000 holds); a production table would move confirmed holds to a per-order item or use
 * TransactWriteItems.
 */
export class DynamoInventoryStore implements InventoryStore {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;

  constructor(options: DynamoInventoryStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? createDynamoDocumentClient();
  }

  async reserve(orderId: string, items: readonly OrderItem[]): Promise<void> {
    const sorted = [...items].sort((a, b) => a.sku.localeCompare(b.sku));
    for (const item of sorted) {
      const outcome = await this.hold(orderId, item);
      if (outcome === 'short') {
        await this.release(orderId, sorted);
        throw new OutOfStockError(orderId, item.sku, item.qty);
      }
    }
  }

  async release(orderId: string, items: readonly OrderItem[]): Promise<{ released: OrderItem[] }> {
    const released: OrderItem[] = [];
    for (const item of items) {
      try {
        await callAws('inventory-table', () =>
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { sku: item.sku },
              UpdateExpression: 'SET #stock = #stock + :qty REMOVE #holds.#order',
              // Only give back what this order holds, exactly once.
              ConditionExpression: '#holds.#order = :qty',
              ExpressionAttributeNames: { '#stock': 'stock', '#holds': 'holds', '#order': orderId },
              ExpressionAttributeValues: { ':qty': item.qty },
            }),
          ),
        );
        released.push(item);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return { released };
  }

  /** Takes one line's stock: 'held' (now or already by this order) or 'short'. */
  private async hold(orderId: string, item: OrderItem): Promise<'held' | 'short'> {
    try {
      await callAws('inventory-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { sku: item.sku },
            UpdateExpression: 'SET #stock = #stock - :qty, #holds.#order = :qty',
            // Enough stock, and this order holds none yet: stock never goes negative, never taken twice.
            ConditionExpression: 'attribute_exists(sku) AND #stock >= :qty AND attribute_not_exists(#holds.#order)',
            ExpressionAttributeNames: { '#stock': 'stock', '#holds': 'holds', '#order': orderId },
            ExpressionAttributeValues: { ':qty': item.qty },
          }),
        ),
      );
      return 'held';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.item(item.sku);
      return current?.holds[orderId] !== undefined ? 'held' : 'short';
    }
  }

  private async item(sku: string): Promise<SkuItem | undefined> {
    const { Item } = await callAws('inventory-table', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { sku }, ConsistentRead: true })),
    );
    return Item as SkuItem | undefined;
  }

  /** Puts the catalog's initial stock (deploy time, local cloud and `npm run seed`). */
  async seed(catalog: readonly CatalogEntry[]): Promise<void> {
    for (const entry of catalog) {
      const item: SkuItem = { sku: entry.sku, stock: entry.stock, initialStock: entry.stock, holds: {} };
      await callAws('inventory-table', () =>
        this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...item, name: entry.name } })),
      );
    }
  }

  /** Every SKU with initial stock, current stock and holds: what the invariant checker reads. */
  async snapshot(): Promise<StockSnapshot[]> {
    const out: StockSnapshot[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws('inventory-table', () =>
        this.client.send(
          new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
        ),
      );
      for (const raw of (page.Items ?? []) as SkuItem[])
        out.push({ sku: raw.sku, initial: raw.initialStock, current: raw.stock, holds: raw.holds ?? {} });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}
