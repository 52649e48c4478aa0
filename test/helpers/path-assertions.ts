import type { VariantHarness } from './variant-harness.ts';
import { order } from './variant-harness.ts';
import type { PathCase } from './path-cases.ts';
import { checkInvariants } from '#domain/invariants';
import { driveWorkload, type DriveResult } from '#lib/driver';
import { EXPECTED_TERMINAL, generateWorkload } from '#lib/workload';

/**
 * Runs one shared path case against a deployed variant and asserts what a user would notice:
 * the terminal state and reason, the ledger, the stock and the timeline.
 */
export async function runPathCase(harness: VariantHarness, pathCase: PathCase): Promise<void> {
  const before = new Map((await harness.probe.stock()).map((s) => [s.sku, s.current]));
  const command = order({ paymentToken: pathCase.paymentToken, items: pathCase.items });
  const accepted = await harness.post(command);
  expect(accepted.status).toBe(202);
  expect(accepted.body).toMatchObject({ orderId: command.orderId, status: 'ACCEPTED' });

  await harness.waitFor(command.orderId);
  await harness.cloud.idle();
  const { body } = await harness.get(command.orderId);
  expect(body.status).toBe(pathCase.expect.status);
  if (pathCase.expect.reason) expect(body.reason).toBe(pathCase.expect.reason);

  const ledger = await harness.probe.ledger(command.orderId);
  expect(ledger.filter((e) => e.kind === 'charge')).toHaveLength(pathCase.expect.charges);
  expect(ledger.filter((e) => e.kind === 'refund')).toHaveLength(pathCase.expect.refunds);

  const after = new Map((await harness.probe.stock()).map((s) => [s.sku, s.current]));
  for (const [sku, qty] of before)
    expect({ sku, delta: (after.get(sku) ?? 0) - qty }).toEqual({ sku, delta: pathCase.expect.stockDelta[sku] ?? 0 });

  const timeline = body.timeline as Array<{ step: string; outcome: string; attempt: number }>;
  const succeeded = timeline.filter((e) => e.outcome === 'succeeded').map((e) => e.step);
  const inOrder = pathCase.expect.steps.filter((step) => succeeded.includes(step));
  expect(inOrder).toEqual(pathCase.expect.steps);
  expect(succeeded.filter((s) => pathCase.expect.steps.includes(s as never))).toEqual(pathCase.expect.steps);
  for (const [step, count] of Object.entries(pathCase.expect.failedAttempts ?? {})) {
    expect({ step, failed: timeline.filter((e) => e.step === step && e.outcome === 'failed').length }).toEqual({
      step,
      failed: count,
    });
  }
}

/**
 * Drives 60 orders of a seeded mix (declines, shortages, transient failures, rejections), all in
 * flight at once, and asserts what the acceptance asks of every variant: each order ends in the
 * state its kind implies, and no invariant is violated. Returns the outcomes for extra checks.
 * (60, not 120: the stress cell CI runs already puts 60 orders of a harder mix in flight at once
 * through every variant and the baseline; here it is each variant's own harness, its duplicate
 * deliveries and DLQs, and CI's 20 minutes are tight.)
 */
export async function expectSeededMixSound(
  harness: VariantHarness,
  options: { runId: string },
): Promise<DriveResult['outcomes']> {
  const workload = generateWorkload({
    orders: 60,
    seed: 7,
    declineRate: 0.1,
    outOfStockRate: 0.1,
    transientRate: 0.15,
    rejectRate: 0.05,
    runId: `${options.runId}-${Date.now().toString(36)}`,
  });
  const result = await driveWorkload({
    apiUrl: harness.stack.apiUrl ?? '',
    orders: workload,
    concurrency: 60,
    // The run ends when every order is terminal or when nothing moves any more in the cloud
    // (an order still not terminal then is stranded): no clock, however busy the machine.
    activity: () => harness.cloud.activity(),
    readOrders: (ids) => harness.probe.orders(ids),
  });
  // An order not terminal when the cloud went quiet is stranded: name it with where it stopped.
  const stranded = result.outcomes
    .filter((o) => result.timedOut.includes(o.orderId))
    .map((o) => ({ id: o.orderId, http: o.httpStatus, status: o.record?.status, last: o.record?.timeline.at(-1) }));
  expect(stranded).toEqual([]);
  expect(result.outcomes.every((o) => o.httpStatus === 202)).toBe(true);
  for (const outcome of result.outcomes)
    expect({ id: outcome.orderId, status: outcome.record?.status }).toEqual({
      id: outcome.orderId,
      status: EXPECTED_TERMINAL[outcome.kind],
    });
  await harness.cloud.idle();
  expect(checkInvariants(await harness.probe.snapshot(result.outcomes.map((o) => o.orderId)))).toEqual([]);
  return result.outcomes;
}

/** Polls the stack's DLQs until a message of the order shows up; returns the queue URLs holding it. */
export async function dlqsHolding(harness: VariantHarness, orderId: string, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const parked = (await harness.probe.dlqMessages()).filter((m) => m.body.includes(orderId)).map((m) => m.queueUrl);
    if (parked.length > 0 || Date.now() >= deadline) return parked;
    await new Promise((r) => setTimeout(r, 200));
  }
}
