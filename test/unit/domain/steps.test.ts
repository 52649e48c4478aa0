import { isBusinessError, isRetryable, OrderConflictError, OrderNotFoundError, ValidationError } from '#domain/errors';
import type { OrderRecord, PlaceOrderCommand, StepInput } from '#domain/order';
import { StepOutOfOrderError, type StepResult } from '#domain/step-runner';
import { createTestDeps, type TestDeps } from '#test/helpers/in-memory-ports';
import { anOrder, anOrderRecord } from '#test/helpers/order-factory';

/** The default order (one keyboard at 8,900 and two mice at 2,900) costs 14,700 cents. */
const TOTAL = 14_700;

type Step = (input: StepInput) => Promise<StepResult>;

/** Delivers a step like a transport does: retryable failures are delivered again, up to `maxAttempts`. */
async function deliver(
  step: Step,
  orderId: string,
  maxAttempts: number,
  firstAttempt = 1,
): Promise<{ error?: unknown; attempts: number }> {
  for (let attempt = firstAttempt; ; attempt++) {
    try {
      await step({ orderId, attempt });
      return { attempts: attempt };
    } catch (error) {
      if (!isRetryable(error) || attempt - firstAttempt + 1 >= maxAttempts) return { error, attempts: attempt };
    }
  }
}

/**
 * Runs an order through the pipeline as the variants that compensate in code do: each step with
 * retries; a business error unwinds the order, exhausted retries park it FAILED.
 */
async function placeAndRun(
  t: TestDeps,
  command: PlaceOrderCommand,
  options: { maxAttempts?: number } = {},
): Promise<OrderRecord> {
  await t.steps.acceptOrder(command);
  const { orderId } = command;
  for (const step of [
    t.steps.validateOrder,
    t.steps.chargePayment,
    t.steps.reserveInventory,
    t.steps.sendConfirmation,
  ]) {
    const { error, attempts } = await deliver(step, orderId, options.maxAttempts ?? 3);
    if (error === undefined) continue;
    if (isBusinessError(error)) await t.steps.compensateOrder({ orderId, attempt: 1, reason: error.name });
    else await t.steps.failOrder({ orderId, attempt: attempts, reason: (error as Error).name });
    break;
  }
  return orderOf(t, orderId);
}

async function orderOf(t: TestDeps, orderId: string): Promise<OrderRecord> {
  const order = await t.orders.get(orderId);
  if (!order) throw new Error(`order ${orderId} is not stored`);
  return order;
}

/** The timeline as `step:outcome`, which is what an operator reads on `GET /orders/{id}`. */
function historyOf(order: OrderRecord): string[] {
  return order.timeline.map((entry) => `${entry.step}:${entry.outcome}`);
}

/** Accepts an order and runs the forward steps up to (not including) the one named. */
async function advanceTo(
  t: TestDeps,
  command: PlaceOrderCommand,
  status: 'VALIDATED' | 'PAYMENT_CHARGED' | 'INVENTORY_RESERVED' | 'CONFIRMED',
): Promise<void> {
  const input = { orderId: command.orderId, attempt: 1 };
  await t.steps.acceptOrder(command);
  await t.steps.validateOrder(input);
  if (status === 'VALIDATED') return;
  await t.steps.chargePayment(input);
  if (status === 'PAYMENT_CHARGED') return;
  await t.steps.reserveInventory(input);
  if (status === 'INVENTORY_RESERVED') return;
  await t.steps.sendConfirmation(input);
}

describe('the order pipeline over in-memory ports', () => {
  describe('happy path', () => {
    it('confirms an order: charged its catalog total once, stock taken, customer emailed', async () => {
      const t = createTestDeps();
      const command = anOrder();

      const order = await placeAndRun(t, command);

      expect(order.status).toBe('CONFIRMED');
      expect(order.totalCents).toBe(TOTAL);
      expect(order.lines).toEqual([
        { sku: 'SKU-KEYBOARD', qty: 1, unitPriceCents: 8_900, lineTotalCents: 8_900 },
        { sku: 'SKU-MOUSE', qty: 2, unitPriceCents: 2_900, lineTotalCents: 5_800 },
      ]);
      expect(t.payments.chargesOf(command.orderId)).toEqual([
        expect.objectContaining({ amountCents: TOTAL, currency: 'EUR' }),
      ]);
      expect(order.chargeId).toBe(t.payments.chargesOf(command.orderId)[0]?.chargeId);
      expect(t.inventory.stockOf('SKU-KEYBOARD')).toBe(100_000 - 1);
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000 - 2);
      expect(t.inventory.holdsOf(command.orderId)).toEqual({ 'SKU-KEYBOARD': 1, 'SKU-MOUSE': 2 });
      expect(t.mailer.emailsTo(command.orderId)).toEqual([
        expect.objectContaining({ to: 'ada@example.com', subject: `Order ${command.orderId} confirmed` }),
      ]);
      expect(t.payments.refundsOf(command.orderId)).toEqual([]);
    });

    it('records each step once on the timeline, in order, with attempt, time and variant', async () => {
      const t = createTestDeps({ variant: 'sqs-chain' });
      const order = await placeAndRun(t, anOrder());

      expect(historyOf(order)).toEqual([
        'accept-order:succeeded',
        'validate-order:succeeded',
        'charge-payment:succeeded',
        'reserve-inventory:succeeded',
        'send-confirmation:succeeded',
      ]);
      expect(order.timeline.slice(1).every((e) => e.attempt === 1 && e.variant === 'sqs-chain')).toBe(true);
      const times = order.timeline.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(order.timeline.find((e) => e.step === 'charge-payment')?.detail).toEqual({
        chargeId: order.chargeId,
        amountCents: TOTAL,
      });
      expect(order.terminalAt).toBe(order.timeline.at(-1)?.at);
      expect(order.reason).toBeUndefined();
    });

    it('returns the new status and the correlation id from each step', async () => {
      const t = createTestDeps();
      const command = anOrder();
      const { order: accepted } = await t.steps.acceptOrder(command, 'corr-1');
      const input = { orderId: command.orderId, attempt: 1 };

      expect(accepted.status).toBe('ACCEPTED');
      await expect(t.steps.validateOrder(input)).resolves.toEqual({
        orderId: command.orderId,
        status: 'VALIDATED',
        duplicate: false,
        correlationId: 'corr-1',
      });
      await expect(t.steps.chargePayment(input)).resolves.toMatchObject({
        status: 'PAYMENT_CHARGED',
        duplicate: false,
      });
      await expect(t.steps.reserveInventory(input)).resolves.toMatchObject({
        status: 'INVENTORY_RESERVED',
        duplicate: false,
      });
      await expect(t.steps.sendConfirmation(input)).resolves.toMatchObject({
        status: 'CONFIRMED',
        duplicate: false,
        correlationId: 'corr-1',
      });
    });
  });

  describe('payment declined', () => {
    it('cancels a declined order without charging it or touching stock', async () => {
      const t = createTestDeps();
      const command = anOrder({ paymentToken: 'tok_decline' });

      const order = await placeAndRun(t, command);

      expect(order.status).toBe('CANCELLED');
      expect(order.reason).toBe('PaymentDeclinedError');
      expect(t.payments.chargesOf(command.orderId)).toEqual([]);
      expect(t.payments.refundsOf(command.orderId)).toEqual([]);
      expect(t.inventory.stockOf('SKU-KEYBOARD')).toBe(100_000);
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000);
      expect(t.mailer.emailsTo(command.orderId)).toEqual([]);
      expect(historyOf(order)).toEqual([
        'accept-order:succeeded',
        'validate-order:succeeded',
        'charge-payment:failed',
        'cancel-order:succeeded',
      ]);
      expect(order.timeline[2]?.error?.name).toBe('PaymentDeclinedError');
    });

    it('tries a declined card once: a decline is never retried', async () => {
      const t = createTestDeps();
      const command = anOrder({ paymentToken: 'tok_decline' });
      await placeAndRun(t, command, { maxAttempts: 5 });
      expect(t.payments.chargeCalls(command.orderId)).toBe(1);
    });
  });

  describe('out of stock', () => {
    it('refunds the charge when stock runs out', async () => {
      const t = createTestDeps({ stock: { 'SKU-MOUSE': 1 } });
      const command = anOrder();

      const order = await placeAndRun(t, command);

      expect(order.status).toBe('CANCELLED');
      expect(order.reason).toBe('OutOfStockError');
      expect(t.payments.chargesOf(command.orderId)).toHaveLength(1);
      expect(t.payments.refundsOf(command.orderId)).toEqual([
        expect.objectContaining({ chargeId: order.chargeId, amountCents: TOTAL }),
      ]);
      expect(t.mailer.emailsTo(command.orderId)).toEqual([]);
      expect(historyOf(order)).toEqual([
        'accept-order:succeeded',
        'validate-order:succeeded',
        'charge-payment:succeeded',
        'reserve-inventory:failed',
        'release-inventory:succeeded',
        'refund-payment:succeeded',
        'cancel-order:succeeded',
      ]);
      expect(order.timeline[3]?.error?.name).toBe('OutOfStockError');
    });

    it('gives back the stock of the other lines when one line runs out', async () => {
      const t = createTestDeps({ stock: { 'SKU-MOUSE': 1 } });
      const command = anOrder();

      await placeAndRun(t, command);

      // The keyboard line was taken before the mouse line came up short.
      expect(t.inventory.stockOf('SKU-KEYBOARD')).toBe(100_000);
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(1);
      expect(t.inventory.holdsOf(command.orderId)).toEqual({});
    });

    it('sells the last units to the first order and cancels the next one', async () => {
      const t = createTestDeps({ stock: { 'SKU-LIMITED': 3 } });
      const first = await placeAndRun(t, anOrder({ items: [{ sku: 'SKU-LIMITED', qty: 3 }] }));
      const second = await placeAndRun(t, anOrder({ items: [{ sku: 'SKU-LIMITED', qty: 1 }] }));

      expect(first.status).toBe('CONFIRMED');
      expect(second.status).toBe('CANCELLED');
      expect(t.inventory.stockOf('SKU-LIMITED')).toBe(0);
    });
  });

  describe('transient failures', () => {
    it('charges once after two transient failures, recording both failed attempts', async () => {
      const t = createTestDeps();
      const command = anOrder({ paymentToken: 'tok_flaky_2' });

      const order = await placeAndRun(t, command);

      expect(order.status).toBe('CONFIRMED');
      expect(t.payments.chargeCalls(command.orderId)).toBe(3);
      expect(t.payments.chargesOf(command.orderId)).toHaveLength(1);
      const charges = order.timeline.filter((e) => e.step === 'charge-payment');
      expect(charges.map((e) => [e.outcome, e.attempt, e.error?.name])).toEqual([
        ['failed', 1, 'TransientDependencyError'],
        ['failed', 2, 'TransientDependencyError'],
        ['succeeded', 3, undefined],
      ]);
    });

    it('leaves the order where it was when the mailer fails, so a retry can confirm it', async () => {
      const t = createTestDeps({
        world: {
          seed: 1,
          payment: { transientRate: 0, latencyMs: { min: 0, max: 0 } },
          mailer: { transientRate: 1, latencyMs: { min: 0, max: 0 } },
        },
      });
      const command = anOrder();
      await advanceTo(t, command, 'INVENTORY_RESERVED');

      const attempt = t.steps.sendConfirmation({ orderId: command.orderId, attempt: 1 });

      await expect(attempt).rejects.toMatchObject({ name: 'TransientDependencyError', retryable: true });
      const order = await orderOf(t, command.orderId);
      expect(order.status).toBe('INVENTORY_RESERVED');
      expect(order.timeline.at(-1)).toMatchObject({
        step: 'send-confirmation',
        outcome: 'failed',
        error: { name: 'TransientDependencyError' },
      });
      expect(t.mailer.emailsTo(command.orderId)).toEqual([]);
    });
  });

  describe('validation', () => {
    it('rejects an order above the credit limit without ever charging it', async () => {
      const t = createTestDeps({ maxOrderTotalCents: 10_000 });
      const command = anOrder();

      const order = await placeAndRun(t, command);

      expect(order.status).toBe('REJECTED');
      expect(order.reason).toBe('ValidationError');
      expect(t.payments.chargeCalls(command.orderId)).toBe(0);
      expect(t.inventory.stockOf('SKU-KEYBOARD')).toBe(100_000);
      expect(historyOf(order)).toEqual(['accept-order:succeeded', 'validate-order:failed', 'reject-order:succeeded']);
      expect(order.timeline[1]?.error?.message).toContain(
        `order total ${TOTAL} cents exceeds the credit limit of 10000 cents`,
      );
    });

    it('accepts an order exactly at the credit limit', async () => {
      const t = createTestDeps({ maxOrderTotalCents: TOTAL });
      expect((await placeAndRun(t, anOrder())).status).toBe('CONFIRMED');
    });

    it('rejects a stored order whose command breaks the contract (a message from another producer)', async () => {
      const t = createTestDeps();
      const record = anOrderRecord({ command: { items: [{ sku: 'SKU-DISCONTINUED', qty: 1 }] } });
      t.orders.put(record);

      const attempt = t.steps.validateOrder({ orderId: record.orderId, attempt: 1 });

      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({
        retryable: false,
        issues: [{ field: 'items[0].sku', reason: 'unknown SKU "SKU-DISCONTINUED"' }],
      });
      await t.steps.compensateOrder({ orderId: record.orderId, attempt: 1, reason: 'ValidationError' });
      expect((await orderOf(t, record.orderId)).status).toBe('REJECTED');
    });
  });

  describe('idempotency', () => {
    it('validates once when the validate message is delivered twice', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await t.steps.acceptOrder(command);
      const input = { orderId: command.orderId, attempt: 1 };

      await t.steps.validateOrder(input);
      const repeat = await t.steps.validateOrder(input);

      expect(repeat).toMatchObject({ status: 'VALIDATED', duplicate: true });
      expect(historyOf(await orderOf(t, command.orderId))).toEqual([
        'accept-order:succeeded',
        'validate-order:succeeded',
        'validate-order:duplicate',
      ]);
    });

    it('charges once when the charge message is delivered twice', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'VALIDATED');
      const input = { orderId: command.orderId, attempt: 1 };

      await t.steps.chargePayment(input);
      const repeat = await t.steps.chargePayment(input);

      expect(repeat).toMatchObject({ status: 'PAYMENT_CHARGED', duplicate: true });
      expect(t.payments.chargesOf(command.orderId)).toHaveLength(1);
      expect(t.payments.chargeCalls(command.orderId)).toBe(1);
      expect(historyOf(await orderOf(t, command.orderId)).slice(-2)).toEqual([
        'charge-payment:succeeded',
        'charge-payment:duplicate',
      ]);
    });

    it('charges once when two copies of the charge message race', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'VALIDATED');
      const input = { orderId: command.orderId, attempt: 1 };

      const results = await Promise.all([t.steps.chargePayment(input), t.steps.chargePayment(input)]);

      expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
      expect(t.payments.chargesOf(command.orderId)).toHaveLength(1);
      const order = await orderOf(t, command.orderId);
      expect(order.status).toBe('PAYMENT_CHARGED');
      expect(
        historyOf(order)
          .filter((h) => h.startsWith('charge-payment'))
          .sort(),
      ).toEqual(['charge-payment:duplicate', 'charge-payment:succeeded']);
    });

    it('takes stock once when the reserve message is delivered twice', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'PAYMENT_CHARGED');
      const input = { orderId: command.orderId, attempt: 1 };

      await t.steps.reserveInventory(input);
      const repeat = await t.steps.reserveInventory(input);

      expect(repeat).toMatchObject({ status: 'INVENTORY_RESERVED', duplicate: true });
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000 - 2);
      expect(t.inventory.stockOf('SKU-KEYBOARD')).toBe(100_000 - 1);
      expect(historyOf(await orderOf(t, command.orderId)).slice(-2)).toEqual([
        'reserve-inventory:succeeded',
        'reserve-inventory:duplicate',
      ]);
    });

    it('takes stock once when two copies of the reserve message race', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'PAYMENT_CHARGED');
      const input = { orderId: command.orderId, attempt: 1 };

      await Promise.all([t.steps.reserveInventory(input), t.steps.reserveInventory(input)]);

      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000 - 2);
      expect((await orderOf(t, command.orderId)).status).toBe('INVENTORY_RESERVED');
    });

    it('emails once when the confirmation message is delivered twice', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'CONFIRMED');

      const repeat = await t.steps.sendConfirmation({ orderId: command.orderId, attempt: 2 });

      expect(repeat).toMatchObject({ status: 'CONFIRMED', duplicate: true });
      expect(t.mailer.emailsTo(command.orderId)).toHaveLength(1);
      expect(t.mailer.calls(command.orderId)).toBe(1);
      expect((await orderOf(t, command.orderId)).timeline.at(-1)).toMatchObject({
        step: 'send-confirmation',
        outcome: 'duplicate',
        attempt: 2,
      });
    });

    it('treats every earlier step delivered again after confirmation as a duplicate', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'CONFIRMED');
      const input = { orderId: command.orderId, attempt: 2 };

      for (const step of [t.steps.validateOrder, t.steps.chargePayment, t.steps.reserveInventory]) {
        await expect(step(input)).resolves.toMatchObject({ status: 'CONFIRMED', duplicate: true });
      }
      expect(t.payments.chargesOf(command.orderId)).toHaveLength(1);
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000 - 2);
    });

    it('answers a repeated place-order with the stored order and refuses another body for the same id', async () => {
      const t = createTestDeps();
      const command = anOrder();

      const first = await t.steps.acceptOrder(command);
      const again = await t.steps.acceptOrder({ ...command, items: [...command.items] });

      expect(first.created).toBe(true);
      expect(again).toEqual({ created: false, order: first.order });
      await expect(t.steps.acceptOrder({ ...command, email: 'mallory@example.com' })).rejects.toBeInstanceOf(
        OrderConflictError,
      );
    });
  });

  describe('order of delivery', () => {
    it('refuses to charge an order that is not validated yet, as a retryable error', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await t.steps.acceptOrder(command);

      const attempt = t.steps.chargePayment({ orderId: command.orderId, attempt: 1 });

      await expect(attempt).rejects.toBeInstanceOf(StepOutOfOrderError);
      await expect(attempt).rejects.toMatchObject({ name: 'StepOutOfOrderError', retryable: true });
      expect(t.payments.chargeCalls(command.orderId)).toBe(0);
      const order = await orderOf(t, command.orderId);
      expect(order.status).toBe('ACCEPTED');
      expect(order.timeline.at(-1)).toMatchObject({
        step: 'charge-payment',
        outcome: 'failed',
        error: { name: 'StepOutOfOrderError' },
      });
    });

    it('refuses to reserve stock before payment and to confirm before stock is reserved', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'VALIDATED');
      const input = { orderId: command.orderId, attempt: 1 };

      await expect(t.steps.reserveInventory(input)).rejects.toBeInstanceOf(StepOutOfOrderError);
      await expect(t.steps.sendConfirmation(input)).rejects.toBeInstanceOf(StepOutOfOrderError);
      expect(t.inventory.holdsOf(command.orderId)).toEqual({});
      expect(t.mailer.calls(command.orderId)).toBe(0);
    });

    it('runs an early step once its predecessor has finished (the retry of an overtaking event)', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await t.steps.acceptOrder(command);
      const input = { orderId: command.orderId, attempt: 1 };
      await expect(t.steps.chargePayment(input)).rejects.toBeInstanceOf(StepOutOfOrderError);

      await t.steps.validateOrder(input);
      await expect(t.steps.chargePayment({ ...input, attempt: 2 })).resolves.toMatchObject({
        status: 'PAYMENT_CHARGED',
        duplicate: false,
      });
    });

    it('does not take stock for an order that is being compensated', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'PAYMENT_CHARGED');
      await t.steps.refundPayment({ orderId: command.orderId, attempt: 1, reason: 'OperatorCancelled' });

      const late = await t.steps.reserveInventory({ orderId: command.orderId, attempt: 1 });

      expect(late).toMatchObject({ status: 'COMPENSATING', duplicate: true });
      expect(t.inventory.holdsOf(command.orderId)).toEqual({});
    });

    it('fails a step for an order that was never accepted, without retrying or recording', async () => {
      const t = createTestDeps();
      const attempt = t.steps.validateOrder({ orderId: 'order-never-placed', attempt: 1 });
      await expect(attempt).rejects.toBeInstanceOf(OrderNotFoundError);
      await expect(attempt).rejects.toMatchObject({ retryable: false });
      expect(await t.orders.get('order-never-placed')).toBeUndefined();
    });
  });

  describe('retries exhausted and redrive', () => {
    it('parks an order FAILED when retries run out, remembering where it stood', async () => {
      const t = createTestDeps();
      const command = anOrder({ paymentToken: 'tok_flaky_3' });

      const order = await placeAndRun(t, command, { maxAttempts: 2 });

      expect(order.status).toBe('FAILED');
      expect(order.reason).toBe('TransientDependencyError');
      expect(order.resumeStatus).toBe('VALIDATED');
      expect(t.payments.chargesOf(command.orderId)).toEqual([]);
      expect(historyOf(order).slice(-3)).toEqual([
        'charge-payment:failed',
        'charge-payment:failed',
        'fail-order:succeeded',
      ]);
    });

    it('resumes a FAILED order from the step that failed when its message is redriven, and confirms it', async () => {
      const t = createTestDeps();
      const command = anOrder({ paymentToken: 'tok_flaky_2' });
      const parked = await placeAndRun(t, command, { maxAttempts: 2 });
      expect(parked.status).toBe('FAILED');
      const input = { orderId: command.orderId, attempt: 3 };

      await expect(t.steps.chargePayment(input)).resolves.toMatchObject({
        status: 'PAYMENT_CHARGED',
        duplicate: false,
      });
      const resumed = await orderOf(t, command.orderId);
      expect(resumed.reason).toBeUndefined();
      expect(resumed.resumeStatus).toBeUndefined();
      await t.steps.reserveInventory(input);
      await t.steps.sendConfirmation(input);

      const order = await orderOf(t, command.orderId);
      expect(order.status).toBe('CONFIRMED');
      expect(t.payments.chargesOf(command.orderId)).toHaveLength(1);
      expect(t.mailer.emailsTo(command.orderId)).toHaveLength(1);
      expect(historyOf(order)).toEqual([
        'accept-order:succeeded',
        'validate-order:succeeded',
        'charge-payment:failed',
        'charge-payment:failed',
        'fail-order:succeeded',
        'charge-payment:succeeded',
        'reserve-inventory:succeeded',
        'send-confirmation:succeeded',
      ]);
    });

    it('parks an order once even if the fail message comes twice', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'VALIDATED');
      const input = { orderId: command.orderId, attempt: 1, reason: 'TransientDependencyError' };

      await t.steps.failOrder(input);
      const repeat = await t.steps.failOrder(input);

      expect(repeat).toMatchObject({ status: 'FAILED', duplicate: true });
      expect(historyOf(await orderOf(t, command.orderId)).slice(-2)).toEqual([
        'fail-order:succeeded',
        'fail-order:duplicate',
      ]);
    });

    it('can still unwind a parked order: stock given back, charge refunded, order cancelled', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'INVENTORY_RESERVED');
      await t.steps.failOrder({ orderId: command.orderId, attempt: 5, reason: 'TransientDependencyError' });

      await t.steps.compensateOrder({ orderId: command.orderId, attempt: 1, reason: 'OperatorCancelled' });

      const order = await orderOf(t, command.orderId);
      expect(order.status).toBe('CANCELLED');
      expect(order.reason).toBe('OperatorCancelled');
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000);
      expect(t.payments.refundsOf(command.orderId)).toEqual([expect.objectContaining({ amountCents: TOTAL })]);
    });
  });

  describe('compensations', () => {
    it('gives back held stock and refunds when an order is unwound after reserving', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'INVENTORY_RESERVED');

      const result = await t.steps.compensateOrder({
        orderId: command.orderId,
        attempt: 1,
        reason: 'OperatorCancelled',
      });

      expect(result).toMatchObject({ status: 'CANCELLED', duplicate: false });
      expect(t.inventory.stockOf('SKU-KEYBOARD')).toBe(100_000);
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000);
      expect(t.payments.refundsOf(command.orderId)).toHaveLength(1);
      // Last in, first out: stock was taken after the charge, so it is given back before the refund.
      expect(historyOf(await orderOf(t, command.orderId)).slice(-3)).toEqual([
        'release-inventory:succeeded',
        'refund-payment:succeeded',
        'cancel-order:succeeded',
      ]);
    });

    it('refunds and releases at most once when the compensation message is delivered twice', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'INVENTORY_RESERVED');
      const input = { orderId: command.orderId, attempt: 1, reason: 'OperatorCancelled' };

      await t.steps.compensateOrder(input);
      const repeat = await t.steps.compensateOrder(input);

      expect(repeat).toMatchObject({ status: 'CANCELLED', duplicate: true });
      expect(t.payments.refundsOf(command.orderId)).toHaveLength(1);
      expect(t.payments.refundCalls(command.orderId)).toBe(1);
      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(100_000);
      const history = historyOf(await orderOf(t, command.orderId));
      expect(history.filter((h) => h === 'refund-payment:succeeded')).toHaveLength(1);
      expect(history.filter((h) => h === 'release-inventory:succeeded')).toHaveLength(1);
      expect(history.filter((h) => h === 'cancel-order:succeeded')).toHaveLength(1);
    });

    it('refunds once when refund-payment itself runs twice before the order is cancelled', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'PAYMENT_CHARGED');
      const input = { orderId: command.orderId, attempt: 1, reason: 'OutOfStockError' };

      await t.steps.refundPayment(input);
      const repeat = await t.steps.refundPayment(input);

      expect(repeat).toMatchObject({ status: 'COMPENSATING', duplicate: true });
      expect(t.payments.refundCalls(command.orderId)).toBe(1);
      expect(historyOf(await orderOf(t, command.orderId)).slice(-2)).toEqual([
        'refund-payment:succeeded',
        'refund-payment:duplicate',
      ]);
    });

    it('gives stock back once when release-inventory runs twice', async () => {
      const t = createTestDeps({ stock: { 'SKU-MOUSE': 5 } });
      const command = anOrder();
      await advanceTo(t, command, 'INVENTORY_RESERVED');
      const input = { orderId: command.orderId, attempt: 1, reason: 'OperatorCancelled' };

      await t.steps.releaseInventory(input);
      await t.steps.releaseInventory(input);

      expect(t.inventory.stockOf('SKU-MOUSE')).toBe(5);
    });

    it('refunds nothing for an order that was never charged', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'VALIDATED');

      await t.steps.refundPayment({ orderId: command.orderId, attempt: 1, reason: 'PaymentDeclinedError' });

      expect(t.payments.refundCalls(command.orderId)).toBe(0);
      expect((await orderOf(t, command.orderId)).timeline.at(-1)).toMatchObject({
        step: 'refund-payment',
        outcome: 'succeeded',
        detail: { refunded: false },
      });
    });

    it('ignores a late compensation for an order already confirmed', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await advanceTo(t, command, 'CONFIRMED');

      const result = await t.steps.compensateOrder({ orderId: command.orderId, attempt: 1, reason: 'OutOfStockError' });

      expect(result).toMatchObject({ status: 'CONFIRMED', duplicate: true });
      expect(t.payments.refundsOf(command.orderId)).toEqual([]);
      expect(t.inventory.holdsOf(command.orderId)).toEqual({ 'SKU-KEYBOARD': 1, 'SKU-MOUSE': 2 });
    });

    it('does not cancel an order that was rejected', async () => {
      const t = createTestDeps({ maxOrderTotalCents: 1 });
      const command = anOrder();
      await placeAndRun(t, command);

      await expect(
        t.steps.cancelOrder({ orderId: command.orderId, attempt: 1, reason: 'OperatorCancelled' }),
      ).resolves.toMatchObject({ status: 'REJECTED', duplicate: true });
    });

    it('rejects an order with nothing to undo', async () => {
      const t = createTestDeps();
      const command = anOrder();
      await t.steps.acceptOrder(command);

      const result = await t.steps.rejectOrder({ orderId: command.orderId, attempt: 1, reason: 'ValidationError' });

      expect(result).toMatchObject({ status: 'REJECTED', duplicate: false });
      const order = await orderOf(t, command.orderId);
      expect(order).toMatchObject({ status: 'REJECTED', reason: 'ValidationError' });
      expect(order.terminalAt).toBeDefined();
    });
  });
});
