import { createHash } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { PaymentDeclinedError, TransientDependencyError } from '../domain/errors.ts';
import type { LedgerEntry } from '../domain/invariants.ts';
import {
  decideChargeOutcome,
  decideMailOutcome,
  simulatedLatencyMs,
  type OutsideWorldConfig,
} from '../domain/outside-world.ts';
import type { Charge, ChargeRequest, EmailMessage, Mailer, PaymentGateway, RefundRequest } from '../domain/ports.ts';
import { callAws, isConditionFailure } from './aws-errors.ts';
import { createDynamoDocumentClient } from './clients.ts';

/**
 * The simulated payment and mail providers: "the outside world", with seeded faults and latency
 * from `shared/domain/outside-world.ts`. Their books live in the `ledger` table (key
 * `orderId` + `entryId`), real rows the invariant checker reads:
 *  - `charge#<idempotencyKey>` / `refund#<idempotencyKey>` / `email#<idempotencyKey>`: what
 *    happened, once per key, as a real provider with idempotency keys behaves;
 *  - `calls#<kind>`: how many calls the order made, which drives `tok_flaky_N` and fault draws.
 * Its DynamoDB client is not metered: the provider's storage is not part of our bill.
 */
export interface SimulatedWorldOptions {
  tableName: string;
  config: OutsideWorldConfig;
  client?: DynamoDBDocumentClient;
  sleep?: (ms: number) => Promise<void>;
}

interface Outage {
  transientRate: number;
  untilMs: number;
}

/** The partition of the ledger table that holds the simulated world's own state. */
const WORLD_KEY = '#world';

/** Declares an outage of a simulated dependency until `untilMs` (failure drills, demos). */
export async function declareOutage(options: {
  tableName: string;
  client?: DynamoDBDocumentClient;
  dependency: 'payment' | 'mailer';
  transientRate: number;
  untilMs: number;
}): Promise<void> {
  const client = options.client ?? createDynamoDocumentClient({ metered: false });
  await callAws('ledger-table', () =>
    client.send(
      new PutCommand({
        TableName: options.tableName,
        Item: {
          orderId: WORLD_KEY,
          entryId: `outage#${options.dependency}`,
          transientRate: options.transientRate,
          untilMs: options.untilMs,
        },
      }),
    ),
  );
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

abstract class SimulatedProvider {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;
  protected readonly config: OutsideWorldConfig;
  protected readonly sleep: (ms: number) => Promise<void>;
  private readonly outages = new Map<string, { readAt: number; outage: Outage | undefined }>();

  constructor(options: SimulatedWorldOptions) {
    this.client = options.client ?? createDynamoDocumentClient({ metered: false });
    this.tableName = options.tableName;
    this.config = options.config;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Counts this order's calls of one kind; the count makes faults independent of timing. */
  protected async nextCall(orderId: string, kind: string): Promise<number> {
    const { Attributes } = await callAws('ledger-table', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId, entryId: `calls#${kind}` },
          UpdateExpression: 'ADD #n :one',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(Attributes?.count ?? 1);
  }

  /**
   * The provider's live state: an outage an operator (or a failure drill) declares while the
   * system runs, as item `{orderId: '#world', entryId: 'outage#<dependency>', transientRate,
   * untilMs}` in the ledger table. It overrides the configured rate; read at most every 250 ms.
   */
  protected async currentConfig(dependency: 'payment' | 'mailer'): Promise<OutsideWorldConfig> {
    const cached = this.outages.get(dependency);
    if (!cached || Date.now() - cached.readAt > 250) {
      const { Item } = await callAws('ledger-table', () =>
        this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { orderId: WORLD_KEY, entryId: `outage#${dependency}` } }),
        ),
      );
      this.outages.set(dependency, { readAt: Date.now(), outage: Item as Outage | undefined });
    }
    const outage = this.outages.get(dependency)?.outage;
    if (!outage) return this.config;
    return {
      ...this.config,
      [dependency]: {
        ...this.config[dependency],
        transientRate: Number(outage.transientRate),
        untilMs: Number(outage.untilMs),
      },
    };
  }

  /** Records an entry once per idempotency key; a repeat returns the first one. */
  protected async recordOnce<T extends Record<string, unknown>>(orderId: string, entryId: string, item: T): Promise<T> {
    try {
      await callAws('ledger-table', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { orderId, entryId, ...item },
            ConditionExpression: 'attribute_not_exists(entryId)',
          }),
        ),
      );
      return item;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await callAws('ledger-table', () =>
        this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { orderId, entryId }, ConsistentRead: true }),
        ),
      );
      return Item as T;
    }
  }
}

function stableId(prefix: string, key: string): string {
  return `${prefix}_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

export class SimulatedPaymentGateway extends SimulatedProvider implements PaymentGateway {
  async charge(request: ChargeRequest): Promise<Charge> {
    const call = await this.nextCall(request.orderId, 'charge');
    await this.sleep(simulatedLatencyMs(this.config, 'payment', `${request.orderId}#${call}`));
    const outcome = decideChargeOutcome(
      await this.currentConfig('payment'),
      request.paymentToken,
      request.orderId,
      call,
    );
    if (outcome === 'decline') throw new PaymentDeclinedError(request.orderId, 'card_declined');
    if (outcome === 'transient')
      throw new TransientDependencyError('payment-gateway', `simulated timeout on call ${call}`);
    const charge: Charge = {
      chargeId: stableId('ch', request.idempotencyKey),
      orderId: request.orderId,
      amountCents: request.amountCents,
      currency: request.currency,
    };
    const stored = await this.recordOnce(request.orderId, `charge#${request.idempotencyKey}`, {
      kind: 'charge',
      id: charge.chargeId,
      amountCents: charge.amountCents,
      currency: charge.currency,
    });
    return { ...charge, chargeId: String(stored.id), amountCents: Number(stored.amountCents) };
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const call = await this.nextCall(request.orderId, 'refund');
    await this.sleep(simulatedLatencyMs(this.config, 'payment', `${request.orderId}#refund#${call}`));
    const stored = await this.recordOnce(request.orderId, `refund#${request.idempotencyKey}`, {
      kind: 'refund',
      id: stableId('re', request.idempotencyKey),
      chargeId: request.chargeId,
      amountCents: request.amountCents,
    });
    return { refundId: String(stored.id) };
  }
}

export class SimulatedMailer extends SimulatedProvider implements Mailer {
  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const call = await this.nextCall(message.orderId, 'mail');
    await this.sleep(simulatedLatencyMs(this.config, 'mailer', `${message.orderId}#${call}`));
    if (decideMailOutcome(await this.currentConfig('mailer'), message.orderId, call) === 'transient') {
      throw new TransientDependencyError('mailer', `simulated 503 on call ${call}`);
    }
    const stored = await this.recordOnce(message.orderId, `email#${message.idempotencyKey}`, {
      kind: 'email',
      id: stableId('msg', message.idempotencyKey),
      to: message.to,
      subject: message.subject,
    });
    return { messageId: String(stored.id) };
  }
}

/** Reads the provider's books: every charge and refund (for the invariant checker). */
export async function readLedger(options: {
  tableName: string;
  client?: DynamoDBDocumentClient;
  orderId?: string;
}): Promise<LedgerEntry[]> {
  const client = options.client ?? createDynamoDocumentClient({ metered: false });
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await callAws('ledger-table', () =>
      options.orderId
        ? client.send(
            new QueryCommand({
              TableName: options.tableName,
              KeyConditionExpression: 'orderId = :o',
              ExpressionAttributeValues: { ':o': options.orderId },
              ExclusiveStartKey: startKey,
              ConsistentRead: true,
            }),
          )
        : client.send(
            new ScanCommand({ TableName: options.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
          ),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items
    .filter((item) => item.kind === 'charge' || item.kind === 'refund')
    .map((item) => ({
      orderId: String(item.orderId),
      kind: item.kind as 'charge' | 'refund',
      id: String(item.id),
      amountCents: Number(item.amountCents),
    }));
}
