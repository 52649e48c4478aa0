/**
 * eventbridge-flags at load with every event delivered twice and some out of order: 60 orders of a
 * seeded mix at once. The flags must absorb every copy (one charge, one warehouse pick per
 * confirmed order) and the run ends when the cloud is quiet. In the load tier (`npm run test:load`)
 * because it is a load of its own, not a path.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectSeededMixSound } from '#test/helpers/path-assertions';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';
import { warehousePicks } from '#test/helpers/warehouse';

describe('eventbridge-flags, every event delivered twice, some out of order', () => {
  let harness: VariantHarness;

  beforeAll(async () => {
    harness = await startVariant('eventbridge-flags', {
      cloud: { eventBridgeDuplicates: { enabled: true, reorder: true, seed: 1 } },
    });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('ends 60 concurrent orders of a seeded mix with zero invariant violations and one charge each', async () => {
    // Twice the deliveries of sqs-chain on a machine other suites share: the run waits until the
    // cloud is quiet; the assertions are about correctness, not speed (the compare job measures speed).
    const outcomes = await expectSeededMixSound(harness, { runId: 'ebdup' });
    const ledger = await harness.probe.ledger();
    const confirmed = outcomes.filter((o) => o.record?.status === 'CONFIRMED').map((o) => o.orderId);
    for (const id of confirmed)
      expect({ id, charges: ledger.filter((e) => e.orderId === id && e.kind === 'charge').length }).toEqual({
        id,
        charges: 1,
      });
    // Fan-out under duplicates: each confirmed order picked exactly once.
    const picks = await Promise.all(
      confirmed.map(async (id) => ({ id, picks: (await warehousePicks(harness, id)).length })),
    );
    expect(picks.filter((p) => p.picks !== 1)).toEqual([]);
    // A cap for a hung run only.
  }, 600_000);
});
