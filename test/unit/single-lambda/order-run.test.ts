import { backoffDelayMs, retryInCode } from '#domain/retry-policy';
import { PaymentDeclinedError, TransientDependencyError } from '#domain/errors';
import type { ReviewTimer } from '#domain/review';
import { runOrder, OrderRunFailedError, type OrderRunConfig } from '#services/single-lambda/lib/order-run';
import { createTestDeps, type TestDeps } from '#test/helpers/in-memory-ports';
import { anOrder } from '#test/helpers/order-factory';

const noWait = { sleep: async () => {} };

function configOf(t: TestDeps): OrderRunConfig {
  return { steps: t.steps, orders: t.orders, maxRuns: 3, retry: noWait };
}

async function placed(t: TestDeps, paymentToken: string, items = [{ sku: 'SKU-MOUSE', qty: 1 }]) {
  const command = anOrder({ paymentToken, items });
  await t.steps.acceptOrder(command);
  return command.orderId;
}

describe('the shared retry policy', () => {
  it('caps the backoff at 1 s then 2 s, drawn below the cap (full jitter)', () => {
    expect(backoffDelayMs(1, { random: () => 0.999 })).toBe(999);
    expect(backoffDelayMs(2, { random: () => 0.999 })).toBe(1998);
    expect(backoffDelayMs(2, { random: () => 0 })).toBe(0);
  });

  it('tries three times at most, and never retries a business error', async () => {
    let calls = 0;
    const transient = retryInCode(async () => {
      calls++;
      throw new TransientDependencyError('x', 'down');
    }, noWait);
    await expect(transient).rejects.toThrow('down');
    expect(calls).toBe(3);
    calls = 0;
    const declined = retryInCode(async () => {
      calls++;
      throw new PaymentDeclinedError('o', 'card_declined');
    }, noWait);
    await expect(declined).rejects.toThrow('declined');
    expect(calls).toBe(1);
  });
});

describe('single-lambda: the order in one run', () => {
  it('confirms an order in one run, every entry marked run 1', async () => {
    const t = createTestDeps();
    const orderId = await placed(t, 'tok_ok');
    await runOrder(configOf(t), { orderId });
    const order = await t.orders.get(orderId);
    expect(order?.status).toBe('CONFIRMED');
    expect(order?.timeline.filter((e) => e.step !== 'accept-order').every((e) => e.run === 1)).toBe(true);
  });

  it('unwinds last in, first out when stock runs out: release, then refund, then cancel', async () => {
    const t = createTestDeps({ stock: { 'SKU-MOUSE': 0 } });
    const orderId = await placed(t, 'tok_ok', [{ sku: 'SKU-MOUSE', qty: 1 }]);
    await runOrder(configOf(t), { orderId });
    const order = await t.orders.get(orderId);
    expect(order?.status).toBe('CANCELLED');
    expect(order?.reason).toBe('OutOfStockError');
    const undo = order?.timeline.filter((e) =>
      ['release-inventory', 'refund-payment', 'cancel-order'].includes(e.step),
    );
    expect(undo?.map((e) => e.step)).toEqual(['release-inventory', 'refund-payment', 'cancel-order']);
  });

  it('fails the run when the retries run out, and a second run starts again from validate', async () => {
    const t = createTestDeps();
    const orderId = await placed(t, 'tok_flaky_4');
    await expect(runOrder(configOf(t), { orderId })).rejects.toBeInstanceOf(OrderRunFailedError);
    expect((await t.orders.get(orderId))?.status).toBe('VALIDATED');
    await runOrder(configOf(t), { orderId });
    const order = await t.orders.get(orderId);
    expect(order?.status).toBe('CONFIRMED');
    expect(order?.timeline.find((e) => e.run === 2)).toMatchObject({ step: 'validate-order', outcome: 'duplicate' });
  });

  it('parks the order FAILED on its last run, naming the error and the step', async () => {
    const t = createTestDeps();
    const orderId = await placed(t, 'tok_flaky_99');
    for (let run = 1; run <= 3; run++) await expect(runOrder(configOf(t), { orderId })).rejects.toThrow();
    const order = await t.orders.get(orderId);
    expect(order?.status).toBe('FAILED');
    expect(order?.reason).toBe('TransientDependencyError@charge-payment');
  });
});

describe('single-lambda: an order that waits for review', () => {
  /** A timer that records the timeouts it was asked to start (the schedule, on AWS). */
  function recordingTimer(): ReviewTimer & { started: string[] } {
    const started: string[] = [];
    return {
      started,
      start: async (order) => {
        started.push(order.orderId);
        return order.orderId;
      },
    };
  }

  /** Sixteen monitors (above the default review threshold), placed and run once: parked. */
  async function parkedRun(t: TestDeps, paymentToken = 'tok_ok') {
    const orderId = await placed(t, paymentToken, [{ sku: 'SKU-MONITOR', qty: 16 }]);
    await runOrder(configOf(t), { orderId });
    return orderId;
  }

  const decide = (t: TestDeps, orderId: string, decision: 'approve' | 'reject') =>
    t.steps.reviewOrder(orderId, { decision, reviewer: 'ada' });

  it('parks a big order in its first run, starts its timeout and ends the run, never charged', async () => {
    const timer = recordingTimer();
    const t = createTestDeps({ reviewTimer: timer });
    const orderId = await parkedRun(t);
    const order = await t.orders.get(orderId);
    expect(order?.status).toBe('AWAITING_REVIEW');
    expect(timer.started).toEqual([orderId]);
    expect(order?.timeline.map((e) => e.step)).toEqual(['accept-order', 'validate-order', 'await-review']);
    expect(t.payments.chargeCalls(orderId)).toBe(0);
  });

  it('runs an approved order on from charge-payment in a second run, charged once', async () => {
    const t = createTestDeps();
    const orderId = await parkedRun(t);
    await decide(t, orderId, 'approve');
    await runOrder(configOf(t), { orderId, resume: 'approve' });
    const order = await t.orders.get(orderId);
    expect(order?.status).toBe('CONFIRMED');
    expect(t.payments.chargeCalls(orderId)).toBe(1);
    const second = order?.timeline.filter((e) => e.run === 2).map((e) => e.step);
    expect(second).toEqual(['charge-payment', 'reserve-inventory', 'send-confirmation']);
  });

  it('compensates in the second run as in the first: a declined approved order is cancelled', async () => {
    const t = createTestDeps();
    const orderId = await parkedRun(t, 'tok_decline');
    await decide(t, orderId, 'approve');
    await runOrder(configOf(t), { orderId, resume: 'approve' });
    expect(await t.orders.get(orderId)).toMatchObject({ status: 'CANCELLED', reason: 'PaymentDeclinedError' });
  });

  it("cancels the order when its timeout's run comes first, and changes nothing when a reviewer did", async () => {
    const t = createTestDeps();
    const timedOut = await parkedRun(t);
    await runOrder(configOf(t), { orderId: timedOut, resume: 'timeout' });
    expect(await t.orders.get(timedOut)).toMatchObject({ status: 'CANCELLED', reason: 'ReviewTimedOut' });

    const approved = await parkedRun(t);
    await decide(t, approved, 'approve');
    await runOrder(configOf(t), { orderId: approved, resume: 'approve' });
    await runOrder(configOf(t), { orderId: approved, resume: 'timeout' });
    expect((await t.orders.get(approved))?.status).toBe('CONFIRMED');
    expect(t.payments.chargeCalls(approved) + t.payments.chargeCalls(timedOut)).toBe(1);
  });

  it('does nothing when the first event is run again (an async retry) after the order parked', async () => {
    const t = createTestDeps();
    const orderId = await parkedRun(t);
    await runOrder(configOf(t), { orderId });
    expect((await t.orders.get(orderId))?.status).toBe('AWAITING_REVIEW');
    await decide(t, orderId, 'reject');
    await runOrder(configOf(t), { orderId });
    expect(await t.orders.get(orderId)).toMatchObject({ status: 'CANCELLED', reason: 'ReviewRejected' });
    expect(t.payments.chargeCalls(orderId)).toBe(0);
  });

  it("gives the approval's event its own three runs before the order is parked FAILED", async () => {
    const t = createTestDeps();
    const orderId = await parkedRun(t, 'tok_flaky_99');
    await decide(t, orderId, 'approve');
    for (let attempt = 1; attempt <= 2; attempt++) {
      await expect(runOrder(configOf(t), { orderId, resume: 'approve' })).rejects.toThrow();
      expect((await t.orders.get(orderId))?.status).toBe('VALIDATED');
    }
    await expect(runOrder(configOf(t), { orderId, resume: 'approve' })).rejects.toThrow();
    expect(await t.orders.get(orderId)).toMatchObject({
      status: 'FAILED',
      reason: 'TransientDependencyError@charge-payment',
    });
  });
});
