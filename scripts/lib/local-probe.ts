import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient, ListDurableExecutionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { BatchGetCommand, GetCommand, ScanCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient } from '#adapters/clients';
import { DynamoInventoryStore } from '#adapters/dynamo-inventory-store';
import { readLedger } from '#adapters/simulated-outside-world';
import type { RunSnapshot } from '#domain/invariants';
import type { OrderRecord } from '#domain/order';
import type { LocalCloud } from '../local-cloud/cloud.ts';
import type { DeployedStack } from '../local-cloud/deploy.ts';

/**
 * Reads a deployed stack's state in the local cloud, the way an operator would with the AWS
 * CLI: the orders, the provider's ledger, the stock, and what sits in DLQs or failed executions.
 * Its clients are not metered: looking is not part of the pipeline's bill.
 */
export class LocalStackProbe {
  private readonly db;
  readonly tables: { orders: string; inventory: string; ledger: string };

  constructor(
    private readonly cloud: LocalCloud,
    readonly stack: DeployedStack,
  ) {
    this.db = createDynamoDocumentClient({ config: cloud.awsConfig, metered: false });
    const table = (id: string) => {
      const ref = stack.resources.get(id)?.ref;
      if (!ref)
        throw new Error(
          `${stack.service} has no ${id}: every variant names its tables OrdersTable, InventoryTable, LedgerTable`,
        );
      return ref;
    };
    this.tables = { orders: table('OrdersTable'), inventory: table('InventoryTable'), ledger: table('LedgerTable') };
  }

  async allOrders(): Promise<OrderRecord[]> {
    const out: OrderRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tables.orders, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      out.push(...((page.Items ?? []) as OrderRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async order(orderId: string): Promise<OrderRecord | undefined> {
    return (await this.orders([orderId]))[0];
  }

  /**
   * The records of the given orders (BatchGetItem, 100 keys a call): what a watcher polls. Far
   * cheaper for the emulator than scanning the whole table every few hundred milliseconds.
   */
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

  async stock() {
    return new DynamoInventoryStore({ tableName: this.tables.inventory, client: this.db }).snapshot();
  }

  async ledger(orderId?: string) {
    return readLedger({ tableName: this.tables.ledger, client: this.db, ...(orderId ? { orderId } : {}) });
  }

  /** URLs of the stack's dead-letter queues (those other queues redrive into, or named *-dlq). */
  dlqUrls(): string[] {
    return [...this.stack.resources.values()].filter((r) => r.attributes.QueueName?.endsWith('-dlq')).map((r) => r.ref);
  }

  /** Bodies of the messages in every DLQ, read without consuming them. */
  async dlqMessages(): Promise<Array<{ queueUrl: string; body: string }>> {
    const out: Array<{ queueUrl: string; body: string }> = [];
    for (const queueUrl of this.dlqUrls())
      out.push(...(await peekQueue(this.cloud.sqs, queueUrl)).map((body) => ({ queueUrl, body })));
    return out;
  }

  /** Order ids of executions that ended FAILED, TIMED_OUT or ABORTED (Standard machines). */
  async failedExecutionOrderIds(): Promise<string[]> {
    const machines = [...this.stack.resources.values()]
      .map((r) => r.ref)
      .filter((ref) => ref.startsWith('arn:aws:states:'));
    const ids = await this.failedDurableExecutionNames();
    if (machines.length === 0 || !this.cloud.awsConfig.endpoints.sfn) return ids;
    const sfn = new SFNClient({
      region: this.cloud.region,
      endpoint: this.cloud.awsConfig.endpoints.sfn,
      ...(this.cloud.awsConfig.credentials ? { credentials: this.cloud.awsConfig.credentials } : {}),
    });
    for (const stateMachineArn of machines) {
      for (const statusFilter of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
        let nextToken: string | undefined;
        do {
          // Express machines keep no execution list (AWS answers StateMachineTypeNotSupported).
          const page = await sfn
            .send(new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken }))
            .catch((error: Error) => {
              if (error.name === 'StateMachineTypeNotSupported') return { executions: [], nextToken: undefined };
              throw error;
            });
          ids.push(...(page.executions ?? []).map((e) => e.name ?? ''));
          nextToken = page.nextToken;
        } while (nextToken);
      }
    }
    sfn.destroy();
    return ids;
  }

  /** Names (the orderIds) of the stack's durable executions that ended FAILED, TIMED_OUT or STOPPED. */
  private async failedDurableExecutionNames(): Promise<string[]> {
    const durable = Object.values(this.stack.functions).filter((name) => this.cloud.runtime.definition(name)?.durable);
    if (durable.length === 0 || !this.cloud.awsConfig.endpoints.lambda) return [];
    const lambda = new LambdaClient({
      region: this.cloud.region,
      endpoint: this.cloud.awsConfig.endpoints.lambda,
      ...(this.cloud.awsConfig.credentials ? { credentials: this.cloud.awsConfig.credentials } : {}),
    });
    const names: string[] = [];
    for (const FunctionName of durable) {
      let Marker: string | undefined;
      do {
        const page = await lambda.send(
          new ListDurableExecutionsByFunctionCommand({
            FunctionName,
            Statuses: ['FAILED', 'TIMED_OUT', 'STOPPED'],
            Marker,
          }),
        );
        names.push(...(page.DurableExecutions ?? []).map((e) => e.DurableExecutionName ?? ''));
        Marker = page.NextMarker;
      } while (Marker);
    }
    lambda.destroy();
    return names;
  }

  /**
   * Where each of the given (non-terminal) orders stands, in an operator's words: its status and
   * last timeline entry, the DLQ holding it, its failed execution, and its flags (eventbridge-flags).
   */
  async whereAre(orderIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (orderIds.length === 0) return out;
    const [records, dlq, failed] = await Promise.all([
      this.orders(orderIds),
      this.dlqMessages(),
      this.failedExecutionOrderIds(),
    ]);
    const flagsTable = this.stack.resources.get('FlagsTable')?.ref;
    for (const orderId of orderIds) {
      const record = records.find((r) => r.orderId === orderId);
      const last = record?.timeline.at(-1);
      const parts = [record ? `status ${record.status}` : 'no order record'];
      if (last) parts.push(`last ${last.step} ${last.outcome} (attempt ${last.attempt})`);
      const queues = dlq.filter((m) => orderIdsIn(m.body).includes(orderId)).map((m) => m.queueUrl.split('/').pop());
      if (queues.length > 0) parts.push(`in ${[...new Set(queues)].join(', ')}`);
      if (failed.includes(orderId)) parts.push('its execution failed');
      if (flagsTable) {
        const { Item } = await this.db.send(
          new GetCommand({ TableName: flagsTable, Key: { orderId }, ConsistentRead: true }),
        );
        const flags = Object.entries(Item ?? {})
          .filter(([k]) => k.startsWith('done:') || k.startsWith('claim:'))
          .map(([k, v]) => `${k}=${String(v)}`);
        parts.push(flags.length > 0 ? `flags ${flags.join(' ')}` : 'no flags');
      }
      out.set(orderId, parts.join('; '));
    }
    return out;
  }

  /** Everything the invariant checker needs after a run. */
  async snapshot(
    acceptedOrderIds: readonly string[],
    options: Pick<RunSnapshot, 'expectedReviews'> = {},
  ): Promise<RunSnapshot> {
    const [orders, ledger, stock, dlq, failed] = await Promise.all([
      this.allOrders(),
      this.ledger(),
      this.stock(),
      this.dlqMessages(),
      this.failedExecutionOrderIds(),
    ]);
    const parked = new Set<string>(failed);
    for (const { body } of dlq) for (const id of orderIdsIn(body)) parked.add(id);
    return { acceptedOrderIds, orders, ledger, stock, parkedOrderIds: parked, ...options };
  }
}

/**
 * Reads a queue's messages without consuming them: receive with a zero visibility timeout until
 * every message has been seen (the count comes from the queue's attributes).
 */
export async function peekQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  // A message peeked with VisibilityTimeout 0 may count as in flight for a moment: count both.
  const expected =
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  const seen = new Map<string, string>();
  for (let round = 0, idle = 0; seen.size < expected && round < 100 && idle < 3; round++) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
      }),
    );
    const before = seen.size;
    for (const m of Messages ?? []) seen.set(m.MessageId ?? '', m.Body ?? '');
    idle = seen.size === before ? idle + 1 : 0;
  }
  return [...seen.values()];
}

/** Finds order ids in a DLQ message body, whatever its shape (our message, an event, a Lambda failure record). */
export function orderIdsIn(body: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    // JSON carried as a string (an SQS record's body, an API request's body).
    else if (typeof value === 'string' && value.startsWith('{') && value.includes('"orderId"')) {
      try {
        visit(JSON.parse(value));
      } catch {
        // not JSON after all
      }
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'orderId' && typeof v === 'string') found.add(v);
        else visit(v);
      }
    }
  };
  try {
    visit(JSON.parse(body));
  } catch {
    // not JSON: no order id to find
  }
  return [...found];
}
