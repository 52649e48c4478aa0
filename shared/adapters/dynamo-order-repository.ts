import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isTerminal, type OrderRecord, type TimelineEntry } from '../domain/order.ts';
import type { OrderRepository, ReviewDecisionChange, StatusChange } from '../domain/ports.ts';
import { callAws, isConditionFailure } from './aws-errors.ts';
import { createDynamoDocumentClient } from './clients.ts';

export interface DynamoOrderRepositoryOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
}

/**
 * The `orders` table (partition key `orderId`). Every status move is one conditional UpdateItem
 * that also appends to the timeline, so status and history never disagree.
 */
export class DynamoOrderRepository implements OrderRepository {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;

  constructor(options: DynamoOrderRepositoryOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? createDynamoDocumentClient();
  }

  async create(record: OrderRecord): Promise<{ created: boolean; order: OrderRecord }> {
    try {
      // attribute_not_exists: the client-chosen orderId is the idempotency key of the pipeline.
      await callAws('orders-table', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: 'attribute_not_exists(orderId)',
          }),
        ),
      );
      return { created: true, order: record };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(record.orderId);
      if (!existing) throw error;
      return { created: false, order: existing };
    }
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await callAws('orders-table', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true })),
    );
    return Item as OrderRecord | undefined;
  }

  async transition(orderId: string, change: StatusChange): Promise<boolean> {
    const now = change.entry.at;
    const names: Record<string, string> = { '#status': 'status', '#timeline': 'timeline', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':to': change.to, ':entry': [change.entry], ':now': now };
    const sets = ['#status = :to', '#timeline = list_append(#timeline, :entry)', '#updatedAt = :now'];
    const removes: string[] = [];
    if (isTerminal(change.to)) {
      names['#terminalAt'] = 'terminalAt';
      sets.push('#terminalAt = :now');
    }
    for (const [key, value] of Object.entries(change.patch ?? {})) {
      if (value === undefined) continue;
      names[`#p_${key}`] = key;
      values[`:p_${key}`] = value;
      sets.push(`#p_${key} = :p_${key}`);
    }
    const fromKeys = change.from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    // The status must be one this step runs from; a repeat or a late copy fails here and writes nothing.
    let condition = `#status IN (${fromKeys.join(', ')})`;
    if (change.resumeFrom) {
      // A redriven message resumes an order parked FAILED only at the status it failed from.
      names['#resumeStatus'] = 'resumeStatus';
      values[':failed'] = 'FAILED';
      values[':resume'] = change.resumeFrom;
      condition = `(${condition}) OR (#status = :failed AND #resumeStatus = :resume)`;
      // A resumed order is no longer parked: drop what FAILED left, unless the patch sets it.
      if (!change.patch?.resumeStatus) removes.push('#resumeStatus');
      if (!change.patch?.reason) {
        names['#reason'] = 'reason';
        removes.push('#reason');
      }
    }
    try {
      await callAws('orders-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async appendTimeline(orderId: string, entry: TimelineEntry): Promise<void> {
    try {
      await callAws('orders-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: 'SET #timeline = list_append(#timeline, :entry)',
            // Never create a half record from a stray message for an unknown order.
            ConditionExpression: 'attribute_exists(orderId)',
            ExpressionAttributeNames: { '#timeline': 'timeline' },
            ExpressionAttributeValues: { ':entry': [entry] },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordReviewDecision(orderId: string, change: ReviewDecisionChange): Promise<boolean> {
    const names: Record<string, string> = {
      '#status': 'status',
      '#timeline': 'timeline',
      '#updatedAt': 'updatedAt',
      '#review': 'review',
      '#decision': 'decision',
      '#decidedAt': 'decidedAt',
    };
    const values: Record<string, unknown> = {
      ':awaiting': 'AWAITING_REVIEW',
      ':to': change.to,
      ':entry': [change.entry],
      ':now': change.decidedAt,
      ':decision': change.decision,
    };
    const sets = [
      '#status = :to',
      '#timeline = list_append(#timeline, :entry)',
      '#updatedAt = :now',
      '#review.#decision = :decision',
      '#review.#decidedAt = :now',
    ];
    if (change.reviewer !== undefined) {
      names['#reviewer'] = 'reviewer';
      values[':reviewer'] = change.reviewer;
      sets.push('#review.#reviewer = :reviewer');
    }
    if (change.reason !== undefined) {
      names['#reason'] = 'reason';
      values[':reason'] = change.reason;
      sets.push('#reason = :reason');
    }
    if (isTerminal(change.to)) {
      names['#terminalAt'] = 'terminalAt';
      sets.push('#terminalAt = :now');
    }
    try {
      await callAws('orders-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: `SET ${sets.join(', ')}`,
            // Exactly one decision wins: the order must still wait, with none recorded yet.
            ConditionExpression:
              '#status = :awaiting AND attribute_exists(#review) AND attribute_not_exists(#review.#decision)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
