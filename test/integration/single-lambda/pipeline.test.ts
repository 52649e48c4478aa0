import { checkInvariants } from '#domain/invariants';
import type { TimelineEntry } from '#domain/order';
import { specOf } from '#lib/variants';
import { PATH_CASES } from '#test/helpers/path-cases';
import { dlqsHolding, runPathCase } from '#test/helpers/path-assertions';
import { order, startVariant, type VariantHarness } from '#test/helpers/variant-harness';

let harness: VariantHarness;

beforeAll(async () => {
  harness = await startVariant('single-lambda');
});

afterAll(async () => {
  await harness?.stop();
});

const entriesOf = (timeline: TimelineEntry[], run: number) =>
  timeline.filter((e) => e.run === run).map((e) => `${e.step}:${e.outcome}#${e.attempt}`);

describe('single-lambda: the shared paths', () => {
  it.each(PATH_CASES.map((c) => [c.name, c] as const))('%s', async (_name, pathCase) => {
    await runPathCase(harness, pathCase);
  });
});

describe('single-lambda: one invocation per order, run again from the start', () => {
  it('retries a transient failure in code within one run', async () => {
    const command = order({ paymentToken: 'tok_flaky_2', items: [{ sku: 'SKU-WEBCAM', qty: 1 }] });
    await harness.post(command);
    const done = await harness.waitFor(command.orderId);
    expect(done.status).toBe('CONFIRMED');
    expect(entriesOf(done.timeline, 1)).toEqual([
      'validate-order:succeeded#1',
      'charge-payment:failed#1',
      'charge-payment:failed#2',
      'charge-payment:succeeded#3',
      'reserve-inventory:succeeded#1',
      'send-confirmation:succeeded#1',
    ]);
    expect(done.timeline.some((e) => (e.run ?? 1) > 1)).toBe(false);
  });

  it('runs the whole order again from validate when a failure outlives the in-code retries, charging once', async () => {
    // Four transient failures: the first run's three attempts fail, Lambda's async retry runs it again.
    const command = order({ paymentToken: 'tok_flaky_4', items: [{ sku: 'SKU-DOCK', qty: 1 }] });
    await harness.post(command);
    const done = await harness.waitFor(command.orderId, { timeoutMs: 30_000 });
    expect(done.status).toBe('CONFIRMED');
    expect(entriesOf(done.timeline, 2)).toEqual([
      'validate-order:duplicate#1',
      'charge-payment:failed#1',
      'charge-payment:succeeded#2',
      'reserve-inventory:succeeded#1',
      'send-confirmation:succeeded#1',
    ]);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
  });

  it('parks the order FAILED with its invocation record in the DLQ after the last run, and redrive completes it', async () => {
    const command = order({ paymentToken: 'tok_flaky_9', items: [{ sku: 'SKU-CABLE', qty: 1 }] });
    await harness.post(command);
    const failed = await harness.waitFor(command.orderId, { timeoutMs: 40_000 });
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toBe('TransientDependencyError@charge-payment');
    expect(Math.max(...failed.timeline.map((e) => e.run ?? 0))).toBe(3);
    expect(await dlqsHolding(harness, command.orderId)).toEqual([expect.stringMatching(/process-order-dlq$/)]);
    expect(
      checkInvariants(await harness.probe.snapshot([command.orderId])).filter((v) => v.orderId === command.orderId),
    ).toEqual([]);

    const { cloud, stack } = harness;
    const redriven = await specOf('single-lambda').redrive({
      prefix: `${stack.service}-${stack.stage}-`,
      region: cloud.region,
      endpoints: cloud.endpoints,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(redriven.total).toBe(1);
    const recovered = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'], timeoutMs: 20_000 });
    expect(recovered.timeline.find((e) => e.run === 4)).toMatchObject({ step: 'validate-order', outcome: 'duplicate' });
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    expect(await harness.probe.dlqMessages()).toEqual([]);
  });
});
