import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLocalCloud, type LocalCloud } from '#cloud/cloud';
import { measureBaseline, runBaseline } from '#lib/baseline';
import { EXPECTED_TERMINAL, generateWorkload, type WorkloadOrder } from '#lib/workload';

/**
 * The baseline runs the steps in a process of its own (nothing of the local cloud shares its
 * event loop) against the local cloud's DynamoDB, and still ends every order as the domain says.
 */

const SEED = 7;
const mix = { orders: 24, seed: SEED, declineRate: 0.15, outOfStockRate: 0.15, transientRate: 0.2, rejectRate: 0.1 };

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ ports: { dynamodb: 0, sqs: 0, lambda: 0 }, optional: [] });
});

afterAll(async () => {
  await cloud?.stop();
});

function workload(runId: string): WorkloadOrder[] {
  const orders = generateWorkload({ ...mix, runId });
  // The mix must exercise every path, or the test proves less than it says.
  expect(new Set(orders.map((o) => o.kind))).toEqual(new Set(['ok', 'decline', 'out-of-stock', 'transient', 'reject']));
  return orders;
}

describe('the baseline', () => {
  it('runs in a process of its own, gone once the run is returned, spread over its worker threads', async () => {
    const { pid, threads, run } = await measureBaseline(cloud, workload('own-process'), {
      concurrency: 4,
      seed: SEED,
      threads: 2,
    });
    expect(pid).not.toBe(process.pid);
    expect(threads).toBe(2);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(run.orders).toHaveLength(mix.orders);
  });

  it('ends each order of a seeded mix in its expected terminal state, with no invariant broken', async () => {
    const orders = workload('terminal');
    const run = await runBaseline(cloud, orders, 4, SEED);
    expect(run.name).toBe('baseline');
    expect(run.orders.map((o) => o.orderId)).toEqual(orders.map((o) => o.command.orderId));
    expect(run.orders.map((o) => o.status)).toEqual(orders.map((o) => EXPECTED_TERMINAL[o.kind]));
    expect(run.invariantViolations).toEqual([]);
    for (const order of run.orders) expect(order.terminalAtMs).toBeGreaterThanOrEqual(order.acceptedAtMs);
    expect(run.counts.dynamoWriteUnits).toBeGreaterThan(mix.orders);
  });

  it('retries a transient failure as the variants do: tok_flaky_N fails N attempts, then confirms', async () => {
    const orders = workload('retries');
    const { run } = await measureBaseline(cloud, orders, { concurrency: 3, seed: SEED, threads: 1 });
    const flaky = orders.filter((o) => o.kind === 'transient');
    for (const { command } of flaky) {
      const failures = Number(/^tok_flaky_(\d)$/.exec(command.paymentToken)![1]);
      const timeline = run.orders.find((o) => o.orderId === command.orderId)!.timeline;
      const charges = timeline.filter((entry) => entry.step === 'charge-payment');
      expect(charges.map((entry) => [entry.outcome, entry.attempt])).toEqual([
        ...Array.from({ length: failures }, (_, i) => ['failed', i + 1]),
        ['succeeded', failures + 1],
      ]);
    }
  });
});
