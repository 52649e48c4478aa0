import { SQSClient } from '@aws-sdk/client-sqs';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { BatchGetCommand, ScanCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient } from '#adapters/clients';
import { DynamoInventoryStore } from '#adapters/dynamo-inventory-store';
import { readLedger } from '#adapters/simulated-outside-world';
import type { RunSnapshot } from '#domain/invariants';
import type { OrderRecord } from '#domain/order';
import { orderIdsIn, peekQueue } from './local-probe.ts';
import type { AwsAccess, StackResource } from './stack-counts.ts';

/**
 * `--verify`: reads a stack's tables and queues with the caller's credentials (read access to a
 * stack you own), as an operator would: the orders, the ledger, the stock, the DLQs and failed
 * executions, so the load test can check every invariant, not only that orders ended. It
 * counts the read units it consumes, so the stack's CloudWatch figures can leave them out.
 */
export class StackProbe {
  private readonly db;
  private readonly tables: { orders: string; inventory: string; ledger: string };
  /** Read units this probe consumed, per table. */
  readonly readUnits = new Map<string, number>();

  constructor(
    private readonly access: AwsAccess & { endpoints?: AwsAccess['endpoints'] & { dynamodb?: string; sqs?: string } },
    private readonly resources: StackResource[],
  ) {
    this.db = createDynamoDocumentClient({
      config: {
        region: access.region,
        endpoints: { ...(access.endpoints?.dynamodb ? { dynamodb: access.endpoints.dynamodb } : {}) },
        ...(access.credentials ? { credentials: access.credentials } : {}),
      },
      metered: false,
    });
    this.db.middlewareStack.add(
      (next) => async (args) => {
        (args.input as Record<string, unknown>).ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        for (const c of (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{
          TableName?: string;
          CapacityUnits?: number;
        }>) {
          if (c.TableName)
            this.readUnits.set(c.TableName, (this.readUnits.get(c.TableName) ?? 0) + (c.CapacityUnits ?? 0));
        }
        return result;
      },
      { step: 'initialize', name: 'countOwnReads' },
    );
    const table = (logicalId: string) => {
      const found = resources.find((r) => r.logicalId === logicalId)?.physicalId;
      if (!found)
        throw new Error(
          `the stack has no ${logicalId}: every variant names its tables OrdersTable, InventoryTable, LedgerTable`,
        );
      return found;
    };
    this.tables = { orders: table('OrdersTable'), inventory: table('InventoryTable'), ledger: table('LedgerTable') };
  }

  /** The records of the given orders (BatchGetItem, 100 keys a call, strongly consistent). */
  async orders(orderIds: readonly string[]): Promise<OrderRecord[]> {
    const out: OrderRecord[] = [];
    for (let i = 0; i < orderIds.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = [...new Set(orderIds.slice(i, i + 100))].map((orderId) => ({
        orderId,
      }));
      while (keys && keys.length > 0) {
        const page: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tables.orders]: { Keys: keys, ConsistentRead: true } } }),
        );
        out.push(...((page.Responses?.[this.tables.orders] ?? []) as OrderRecord[]));
        keys = page.UnprocessedKeys?.[this.tables.orders]?.Keys;
      }
    }
    return out;
  }

  /** Everything the invariant checker needs: the whole stack's orders, ledger and stock, what is parked. */
  async snapshot(acceptedOrderIds: readonly string[]): Promise<RunSnapshot> {
    const orders: OrderRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tables.orders, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      orders.push(...((page.Items ?? []) as OrderRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const [ledger, stock, parked] = await Promise.all([
      readLedger({ tableName: this.tables.ledger, client: this.db }),
      new DynamoInventoryStore({ tableName: this.tables.inventory, client: this.db }).snapshot(),
      this.parkedOrderIds(),
    ]);
    return { acceptedOrderIds, orders, ledger, stock, parkedOrderIds: parked };
  }

  /** Orders in a DLQ (read without consuming) or in a failed, timed out or aborted execution. */
  private async parkedOrderIds(): Promise<Set<string>> {
    const config = (endpoint: string | undefined) => ({
      region: this.access.region,
      ...(endpoint ? { endpoint } : {}),
      ...(this.access.credentials ? { credentials: this.access.credentials } : {}),
    });
    const parked = new Set<string>();
    const sqs = new SQSClient(config(this.access.endpoints?.sqs));
    const sfn = new SFNClient(config(this.access.endpoints?.stepfunctions));
    try {
      for (const queue of this.resources.filter((r) => r.type === 'AWS::SQS::Queue' && r.physicalId.endsWith('-dlq')))
        for (const body of await peekQueue(sqs, queue.physicalId)) for (const id of orderIdsIn(body)) parked.add(id);
      for (const machine of this.resources.filter((r) => r.type === 'AWS::StepFunctions::StateMachine')) {
        for (const statusFilter of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
          let nextToken: string | undefined;
          do {
            const page = await sfn
              .send(new ListExecutionsCommand({ stateMachineArn: machine.physicalId, statusFilter, nextToken }))
              .catch((error: Error) => {
                if (error.name === 'StateMachineTypeNotSupported') return { executions: [], nextToken: undefined };
                throw error;
              });
            for (const e of page.executions ?? []) parked.add(e.name ?? '');
            nextToken = page.nextToken;
          } while (nextToken);
        }
      }
    } finally {
      sqs.destroy();
      sfn.destroy();
    }
    return parked;
  }

  destroy(): void {
    this.db.destroy();
  }
}
