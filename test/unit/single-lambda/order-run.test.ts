import { backoffDelayMs, retryInCode } from '#domain/retry-policy';
import { PaymentDeclinedError, TransientDependencyError } from '#domain/errors';
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
