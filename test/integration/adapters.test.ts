import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient } from '#adapters/clients';
import { DynamoInventoryStore } from '#adapters/dynamo-inventory-store';
import { DynamoOrderRepository } from '#adapters/dynamo-order-repository';
import { readLedger, SimulatedMailer, SimulatedPaymentGateway } from '#adapters/simulated-outside-world';
import { createCatalog, type CatalogEntry } from '#domain/catalog';
import { OutOfStockError, PaymentDeclinedError, TransientDependencyError } from '#domain/errors';
import type { OrderRecord, TimelineEntry } from '#domain/order';
import { DEFAULT_OUTSIDE_WORLD } from '#domain/outside-world';
import { createOrderSteps } from '#domain/steps';
import { takeUsage } from '#observability/usage';
import { startLocalCloud, type LocalCloud } from '#cloud/cloud';
import { anOrder, anOrderRecord } from '../helpers/order-factory.ts';

/**
 * The DynamoDB adapters and the simulated providers against the embedded local cloud (dynalite),
 * through the real AWS SDK v3: no mocks. Each test uses its own orders / SKUs, so they share
 * three tables.
 */

const TABLES = { orders: 'adapters-orders', inventory: 'adapters-inventory', ledger: 'adapters-ledger' };
const noLatency = async () => undefined;

let cloud: LocalCloud;
let client: DynamoDBDocumentClient;
let orders: DynamoOrderRepository;
let inventory: DynamoInventoryStore;
let skuSeq = 0;

async function createTable(input: CreateTableCommandInput): Promise<void> {
  await cloud.dynamo.send(new CreateTableCommand(input));
}

beforeAll(async () => {
  cloud = await startLocalCloud({ ports: { dynamodb: 0, sqs: 0, lambda: 0 }, optional: [] });
  const payPerRequest = { BillingMode: 'PAY_PER_REQUEST' as const };
  await createTable({
    TableName: TABLES.orders,
    KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
    ...payPerRequest,
  });
  await createTable({
    TableName: TABLES.inventory,
    KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'sku', AttributeType: 'S' }],
    ...payPerRequest,
  });
  await createTable({
    TableName: TABLES.ledger,
    KeySchema: [
      { AttributeName: 'orderId', KeyType: 'HASH' },
      { AttributeName: 'entryId', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'orderId', AttributeType: 'S' },
      { AttributeName: 'entryId', AttributeType: 'S' },
    ],
    ...payPerRequest,
  });
  client = createDynamoDocumentClient({ config: cloud.awsConfig });
  orders = new DynamoOrderRepository({ tableName: TABLES.orders, client });
  inventory = new DynamoInventoryStore({ tableName: TABLES.inventory, client });
});

afterAll(async () => {
  client?.destroy();
  await cloud?.stop();
});

/** Fresh SKUs with the given stock, so no test sees another's holds. */
async function seedSkus(stock: Record<string, number>): Promise<Record<string, string>> {
  skuSeq += 1;
  const names: Record<string, string> = {};
  const entries: CatalogEntry[] = Object.entries(stock).map(([name, qty]) => {
    names[name] = `SKU-${name.toUpperCase()}-${skuSeq}`;
    return { sku: names[name]!, name, unitPriceCents: 100, stock: qty };
  });
  await inventory.seed(entries);
  return names;
}

async function stockRow(sku: string) {
  const row = (await inventory.snapshot()).find((s) => s.sku === sku);
  if (!row) throw new Error(`no row for ${sku}`);
  return row;
}

function anEntry(step: TimelineEntry['step'], at = new Date().toISOString()): TimelineEntry {
  return { step, outcome: 'succeeded', attempt: 1, at, variant: 'test' };
}

function providers(c: DynamoDBDocumentClient = client) {
  const options = { tableName: TABLES.ledger, config: DEFAULT_OUTSIDE_WORLD, client: c, sleep: noLatency };
  return { payments: new SimulatedPaymentGateway(options), mailer: new SimulatedMailer(options) };
}

describe('DynamoOrderRepository', () => {
  it('creates an order once and answers a replay with the stored record', async () => {
    const record = anOrderRecord();

    const first = await orders.create(record);
    const replay = await orders.create({ ...record, requestHash: 'another-body', correlationId: 'other' });

    expect(first).toEqual({ created: true, order: record });
    expect(replay).toEqual({ created: false, order: record });
    expect(await orders.get(record.orderId)).toEqual(record);
  });

  it('answers undefined for an order that does not exist', async () => {
    expect(await orders.get('order-that-never-was')).toBeUndefined();
  });

  it('moves the status, applies the patch and appends the timeline entry in one write', async () => {
    const record = anOrderRecord({ status: 'VALIDATED' });
    await orders.create(record);
    const entry = anEntry('charge-payment', '2024-05-01T12:00:01.000Z');

    const moved = await orders.transition(record.orderId, {
      from: ['VALIDATED'],
      to: 'PAYMENT_CHARGED',
      entry,
      patch: { chargeId: 'ch_1' },
    });

    expect(moved).toBe(true);
    const stored = await orders.get(record.orderId);
    expect(stored).toMatchObject({ status: 'PAYMENT_CHARGED', chargeId: 'ch_1', updatedAt: entry.at });
    expect(stored?.timeline).toEqual([...record.timeline, entry]);
    expect(stored?.terminalAt).toBeUndefined();
  });

  it('stamps terminalAt when an order ends', async () => {
    const record = anOrderRecord({ status: 'INVENTORY_RESERVED' });
    await orders.create(record);
    const entry = anEntry('send-confirmation');

    await orders.transition(record.orderId, { from: ['INVENTORY_RESERVED'], to: 'CONFIRMED', entry });

    expect(await orders.get(record.orderId)).toMatchObject({ status: 'CONFIRMED', terminalAt: entry.at });
  });

  it('refuses a move from another status: returns false and writes nothing', async () => {
    const record = anOrderRecord({ status: 'PAYMENT_CHARGED' });
    await orders.create(record);

    const moved = await orders.transition(record.orderId, {
      from: ['VALIDATED'],
      to: 'PAYMENT_CHARGED',
      entry: anEntry('charge-payment'),
      patch: { chargeId: 'ch_again' },
    });

    expect(moved).toBe(false);
    expect(await orders.get(record.orderId)).toEqual(record);
  });

  it('lets exactly one of two racing moves of the same order win', async () => {
    const record = anOrderRecord({ status: 'VALIDATED' });
    await orders.create(record);
    const change = { from: ['VALIDATED'] as const, to: 'PAYMENT_CHARGED' as const, entry: anEntry('charge-payment') };

    const results = await Promise.all([
      orders.transition(record.orderId, change),
      orders.transition(record.orderId, change),
    ]);

    expect(results.sort()).toEqual([false, true]);
    expect((await orders.get(record.orderId))?.timeline).toHaveLength(2);
  });

  it('returns false for a move of an unknown order and does not create it', async () => {
    expect(
      await orders.transition('order-ghost-move', {
        from: ['ACCEPTED'],
        to: 'VALIDATED',
        entry: anEntry('validate-order'),
      }),
    ).toBe(false);
    expect(await orders.get('order-ghost-move')).toBeUndefined();
  });

  it('resumes a FAILED order from the status it failed at, clearing why it failed', async () => {
    const record = anOrderRecord({ status: 'FAILED', resumeStatus: 'VALIDATED', reason: 'TransientDependencyError' });
    await orders.create(record);

    const moved = await orders.transition(record.orderId, {
      from: ['VALIDATED'],
      to: 'PAYMENT_CHARGED',
      resumeFrom: 'VALIDATED',
      entry: anEntry('charge-payment'),
      patch: { chargeId: 'ch_r' },
    });

    expect(moved).toBe(true);
    const stored = await orders.get(record.orderId);
    expect(stored).toMatchObject({ status: 'PAYMENT_CHARGED', chargeId: 'ch_r' });
    expect(stored?.resumeStatus).toBeUndefined();
    expect(stored?.reason).toBeUndefined();
  });

  it('does not resume a FAILED order from another status than the one it failed at', async () => {
    const record = anOrderRecord({ status: 'FAILED', resumeStatus: 'VALIDATED', reason: 'TransientDependencyError' });
    await orders.create(record);

    const moved = await orders.transition(record.orderId, {
      from: ['PAYMENT_CHARGED'],
      to: 'INVENTORY_RESERVED',
      resumeFrom: 'PAYMENT_CHARGED',
      entry: anEntry('reserve-inventory'),
    });

    expect(moved).toBe(false);
    expect(await orders.get(record.orderId)).toEqual(record);
  });

  // Known defect, kept visible: with `resumeFrom` set and a `reason` (or `resumeStatus`) in the
  // patch, the adapter still declares `#reason` (`#resumeStatus`) in ExpressionAttributeNames but
  // no longer uses it, and DynamoDB rejects the whole UpdateItem as a ValidationException. No step
  // sends that combination today. Remove `.failing` once dynamo-order-repository.ts declares those
  // names only when it REMOVEs them.
  it('moves a resumable order with a reason in the patch', async () => {
    const record = anOrderRecord({ status: 'VALIDATED' });
    await orders.create(record);
    const moved = await orders.transition(record.orderId, {
      from: ['VALIDATED'],
      to: 'COMPENSATING',
      resumeFrom: 'VALIDATED',
      entry: anEntry('refund-payment'),
      patch: { reason: 'OutOfStockError' },
    });
    expect(moved).toBe(true);
  });

  it('appends to the timeline without moving the status, and never creates a half record', async () => {
    const record = anOrderRecord({ status: 'VALIDATED' });
    await orders.create(record);
    const duplicate: TimelineEntry = { ...anEntry('validate-order'), outcome: 'duplicate' };

    await orders.appendTimeline(record.orderId, duplicate);
    await orders.appendTimeline('order-stray-message', duplicate);

    expect(await orders.get(record.orderId)).toMatchObject({
      status: 'VALIDATED',
      timeline: [...record.timeline, duplicate],
    });
    expect(await orders.get('order-stray-message')).toBeUndefined();
  });

  it('records exactly one of racing review decisions, in one conditional write that also moves the order', async () => {
    const at = '2024-05-01T12:00:00.000Z';
    const record = anOrderRecord({ status: 'AWAITING_REVIEW', review: { requestedAt: at, timeoutAt: at } });
    await orders.create(record);
    const decide = (decision: 'approve' | 'reject' | 'timeout') =>
      orders.recordReviewDecision(record.orderId, {
        decision,
        ...(decision === 'timeout' ? {} : { reviewer: `${decision}-er` }),
        decidedAt: at,
        to: decision === 'approve' ? 'VALIDATED' : 'CANCELLED',
        ...(decision === 'approve' ? {} : { reason: decision === 'reject' ? 'ReviewRejected' : 'ReviewTimedOut' }),
        entry: anEntry(decision === 'timeout' ? 'time-out-review' : 'review-order'),
      });

    const results = await Promise.all([decide('approve'), decide('reject'), decide('timeout')]);

    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await orders.get(record.orderId);
    const winner = stored?.review?.decision;
    expect(stored?.timeline).toHaveLength(record.timeline.length + 1);
    expect(stored).toMatchObject(
      winner === 'approve'
        ? { status: 'VALIDATED', review: { decision: 'approve', reviewer: 'approve-er', decidedAt: at } }
        : { status: 'CANCELLED', terminalAt: at, reason: winner === 'reject' ? 'ReviewRejected' : 'ReviewTimedOut' },
    );
    expect(await decide('reject')).toBe(false);
  });

  it('records no decision for an order that is not waiting', async () => {
    const record = anOrderRecord({ status: 'VALIDATED' });
    await orders.create(record);
    expect(
      await orders.recordReviewDecision(record.orderId, {
        decision: 'approve',
        reviewer: 'ada',
        decidedAt: '2024-05-01T12:00:00.000Z',
        to: 'VALIDATED',
        entry: anEntry('review-order'),
      }),
    ).toBe(false);
    expect(await orders.get(record.orderId)).toEqual(record);
  });
});

describe('DynamoInventoryStore', () => {
  it('seeds stock and reports initial, current and holds per SKU', async () => {
    const { mouse } = await seedSkus({ mouse: 7 });
    expect(await stockRow(mouse!)).toEqual({ sku: mouse, initial: 7, current: 7, holds: {} });
  });

  it('takes stock for every line and records what the order holds', async () => {
    const { mouse, cable } = await seedSkus({ mouse: 7, cable: 3 });

    await inventory.reserve('order-inv-1', [
      { sku: mouse!, qty: 2 },
      { sku: cable!, qty: 3 },
    ]);

    expect(await stockRow(mouse!)).toMatchObject({ current: 5, holds: { 'order-inv-1': 2 } });
    expect(await stockRow(cable!)).toMatchObject({ current: 0, holds: { 'order-inv-1': 3 } });
  });

  it('takes stock once when the same order reserves twice', async () => {
    const { mouse } = await seedSkus({ mouse: 7 });

    await inventory.reserve('order-inv-2', [{ sku: mouse!, qty: 2 }]);
    await inventory.reserve('order-inv-2', [{ sku: mouse!, qty: 2 }]);

    expect(await stockRow(mouse!)).toMatchObject({ current: 5, holds: { 'order-inv-2': 2 } });
  });

  it('gives back the lines it took when one line is short, and says which SKU ran out', async () => {
    const { alpha, beta } = await seedSkus({ alpha: 5, beta: 1 });

    const attempt = inventory.reserve('order-inv-3', [
      { sku: beta!, qty: 2 },
      { sku: alpha!, qty: 1 },
    ]);

    await expect(attempt).rejects.toBeInstanceOf(OutOfStockError);
    await expect(attempt).rejects.toMatchObject({ sku: beta, requested: 2 });
    expect(await stockRow(alpha!)).toMatchObject({ current: 5, holds: {} });
    expect(await stockRow(beta!)).toMatchObject({ current: 1, holds: {} });
  });

  it('treats an unknown SKU as out of stock', async () => {
    await expect(inventory.reserve('order-inv-4', [{ sku: 'SKU-NOT-SEEDED', qty: 1 }])).rejects.toBeInstanceOf(
      OutOfStockError,
    );
  });

  it('gives stock back once when an order is released twice, and nothing for an order that holds none', async () => {
    const { mouse } = await seedSkus({ mouse: 7 });
    await inventory.reserve('order-inv-5', [{ sku: mouse!, qty: 3 }]);

    const first = await inventory.release('order-inv-5', [{ sku: mouse!, qty: 3 }]);
    const second = await inventory.release('order-inv-5', [{ sku: mouse!, qty: 3 }]);
    const never = await inventory.release('order-inv-never', [{ sku: mouse!, qty: 3 }]);

    expect(first.released).toEqual([{ sku: mouse, qty: 3 }]);
    expect(second.released).toEqual([]);
    expect(never.released).toEqual([]);
    expect(await stockRow(mouse!)).toMatchObject({ current: 7, holds: {} });
  });

  it('sells exactly the stock when 30 orders race for 10 units, never going negative', async () => {
    const { limited } = await seedSkus({ limited: 10 });
    const orderIds = Array.from({ length: 30 }, (_, i) => `order-race-${skuSeq}-${i}`);

    const outcomes = await Promise.allSettled(orderIds.map((id) => inventory.reserve(id, [{ sku: limited!, qty: 1 }])));

    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(20);
    expect(lost.every((o) => o.reason instanceof OutOfStockError)).toBe(true);
    const row = await stockRow(limited!);
    expect(row.current).toBe(0);
    expect(Object.keys(row.holds)).toHaveLength(10);
    expect(Object.values(row.holds).every((qty) => qty === 1)).toBe(true);
  });

  it('takes stock once when the same order races itself', async () => {
    const { limited } = await seedSkus({ limited: 10 });

    await Promise.all(
      Array.from({ length: 5 }, () => inventory.reserve('order-self-race', [{ sku: limited!, qty: 2 }])),
    );

    expect(await stockRow(limited!)).toMatchObject({ current: 8, holds: { 'order-self-race': 2 } });
  });
});

describe('SimulatedPaymentGateway and SimulatedMailer on the ledger table', () => {
  const charge = (orderId: string, paymentToken = 'tok_ok') => ({
    idempotencyKey: `${orderId}#charge`,
    orderId,
    amountCents: 14_700,
    currency: 'EUR' as const,
    paymentToken,
  });

  it('records one charge when the same charge is sent twice with the same key', async () => {
    const { payments } = providers();
    const orderId = anOrder().orderId;

    const first = await payments.charge(charge(orderId));
    const second = await payments.charge(charge(orderId));

    expect(second).toEqual(first);
    expect(await readLedger({ tableName: TABLES.ledger, client, orderId })).toEqual([
      { orderId, kind: 'charge', id: first.chargeId, amountCents: 14_700 },
    ]);
  });

  it('declines tok_decline and records no charge', async () => {
    const { payments } = providers();
    const orderId = anOrder().orderId;

    await expect(payments.charge(charge(orderId, 'tok_decline'))).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(await readLedger({ tableName: TABLES.ledger, client, orderId })).toEqual([]);
  });

  it('fails tok_flaky_2 transiently twice, then charges once', async () => {
    const { payments } = providers();
    const orderId = anOrder().orderId;

    await expect(payments.charge(charge(orderId, 'tok_flaky_2'))).rejects.toBeInstanceOf(TransientDependencyError);
    await expect(payments.charge(charge(orderId, 'tok_flaky_2'))).rejects.toBeInstanceOf(TransientDependencyError);
    const charged = await payments.charge(charge(orderId, 'tok_flaky_2'));

    expect(await readLedger({ tableName: TABLES.ledger, client, orderId })).toEqual([
      { orderId, kind: 'charge', id: charged.chargeId, amountCents: 14_700 },
    ]);
  });

  it('counts calls per order, so a new provider instance (a new Lambda) continues the flaky sequence', async () => {
    const orderId = anOrder().orderId;
    await expect(providers().payments.charge(charge(orderId, 'tok_flaky_1'))).rejects.toBeInstanceOf(
      TransientDependencyError,
    );
    await expect(providers().payments.charge(charge(orderId, 'tok_flaky_1'))).resolves.toMatchObject({ orderId });
  });

  it('records one refund when the same refund is sent twice', async () => {
    const { payments } = providers();
    const orderId = anOrder().orderId;
    const { chargeId } = await payments.charge(charge(orderId));
    const refund = { idempotencyKey: `${orderId}#refund`, orderId, chargeId, amountCents: 14_700 };

    await payments.refund(refund);
    await payments.refund(refund);

    const ledger = await readLedger({ tableName: TABLES.ledger, client, orderId });
    expect(ledger.map((e) => e.kind).sort()).toEqual(['charge', 'refund']);
  });

  it('sends one email per idempotency key', async () => {
    const { mailer } = providers();
    const orderId = anOrder().orderId;
    const message = {
      idempotencyKey: `${orderId}#confirmation`,
      orderId,
      to: 'ada@example.com',
      subject: 'confirmed',
      body: 'thanks',
    };

    const first = await mailer.send(message);
    const second = await mailer.send(message);

    expect(second).toEqual(first);
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: TABLES.ledger,
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': orderId },
        ConsistentRead: true,
      }),
    );
    expect(Items.filter((item) => item.kind === 'email')).toEqual([
      expect.objectContaining({ to: 'ada@example.com', id: first.messageId }),
    ]);
  });
});

describe('the steps over the DynamoDB adapters', () => {
  async function stepsWithStock(stock: Record<string, number>) {
    const skus = await seedSkus(stock);
    const catalog = createCatalog(
      Object.entries(skus).map(([name, sku]) => ({ sku, name, unitPriceCents: 1_000, stock: stock[name]! })),
    );
    const { payments, mailer } = providers();
    const steps = createOrderSteps({
      orders,
      inventory,
      payments,
      mailer,
      catalog,
      clock: { now: () => new Date() },
      variant: 'adapters-test',
    });
    return { skus, steps };
  }

  async function run(steps: ReturnType<typeof createOrderSteps>, orderId: string): Promise<OrderRecord> {
    for (const step of [steps.validateOrder, steps.chargePayment, steps.reserveInventory, steps.sendConfirmation]) {
      try {
        await step({ orderId, attempt: 1 });
      } catch (error) {
        await steps.compensateOrder({ orderId, attempt: 1, reason: (error as Error).name });
        break;
      }
    }
    const order = await orders.get(orderId);
    if (!order) throw new Error('order lost');
    return order;
  }

  it('confirms an order end to end: one charge in the ledger, stock held, timeline complete', async () => {
    const { skus, steps } = await stepsWithStock({ desk: 5 });
    const command = anOrder({ items: [{ sku: skus.desk!, qty: 2 }] });
    await steps.acceptOrder(command);

    const order = await run(steps, command.orderId);

    expect(order.status).toBe('CONFIRMED');
    expect(order.timeline.map((e) => e.step)).toEqual([
      'accept-order',
      'validate-order',
      'charge-payment',
      'reserve-inventory',
      'send-confirmation',
    ]);
    expect(await readLedger({ tableName: TABLES.ledger, client, orderId: command.orderId })).toEqual([
      expect.objectContaining({ kind: 'charge', amountCents: 2_000 }),
    ]);
    expect(await stockRow(skus.desk!)).toMatchObject({ current: 3, holds: { [command.orderId]: 2 } });
  });

  it('refunds the charge and gives back other lines when stock runs out', async () => {
    const { skus, steps } = await stepsWithStock({ chair: 5, lamp: 0 });
    const command = anOrder({
      items: [
        { sku: skus.chair!, qty: 1 },
        { sku: skus.lamp!, qty: 1 },
      ],
    });
    await steps.acceptOrder(command);

    const order = await run(steps, command.orderId);

    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'OutOfStockError' });
    const ledger = await readLedger({ tableName: TABLES.ledger, client, orderId: command.orderId });
    expect(ledger.map((e) => [e.kind, e.amountCents]).sort()).toEqual([
      ['charge', 2_000],
      ['refund', 2_000],
    ]);
    expect(await stockRow(skus.chair!)).toMatchObject({ current: 5, holds: {} });
  });
});

describe('metering', () => {
  it('counts DynamoDB write and read units of calls through a metered client', async () => {
    const metered = createDynamoDocumentClient({ config: cloud.awsConfig });
    const repository = new DynamoOrderRepository({ tableName: TABLES.orders, client: metered });
    try {
      takeUsage();
      const record = anOrderRecord();

      await repository.create(record);
      await repository.get(record.orderId);

      const usage = takeUsage();
      expect(usage.dynamoWriteUnits).toBeGreaterThanOrEqual(1);
      expect(usage.dynamoReadUnits).toBeGreaterThanOrEqual(1);
      expect(takeUsage()).toEqual({});
    } finally {
      metered.destroy();
    }
  });

  it('bills a write unit for a write whose condition failed', async () => {
    const metered = createDynamoDocumentClient({ config: cloud.awsConfig });
    const repository = new DynamoOrderRepository({ tableName: TABLES.orders, client: metered });
    try {
      const record = anOrderRecord();
      await repository.create(record);
      takeUsage();

      expect(
        await repository.transition(record.orderId, {
          from: ['CONFIRMED'],
          to: 'CANCELLED',
          entry: anEntry('cancel-order'),
        }),
      ).toBe(false);

      // One write unit billed; the call itself is counted and timed for the AWS model, not billed.
      const { awsCallMs, ...billed } = takeUsage();
      expect(billed).toEqual({ dynamoWriteUnits: 1, dynamoCalls: 1 });
      expect(awsCallMs).toBeGreaterThan(0);
    } finally {
      metered.destroy();
    }
  });

  it('counts nothing for an unmetered client (the simulated providers are not our bill)', async () => {
    const unmetered = createDynamoDocumentClient({ config: cloud.awsConfig, metered: false });
    try {
      takeUsage();
      await unmetered.send(
        new PutCommand({ TableName: TABLES.ledger, Item: { orderId: 'order-unmetered', entryId: 'x' } }),
      );
      // Not our bill, but its time is still the local DynamoDB's, not the step's own compute.
      const { awsCallMs, ...billed } = takeUsage();
      expect(billed).toEqual({});
      expect(awsCallMs).toBeGreaterThan(0);
    } finally {
      unmetered.destroy();
    }
  });
});
