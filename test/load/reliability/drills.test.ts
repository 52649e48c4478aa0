import { DRILLS, type DrillResult, faultFired, runDrill } from '#lib/drills';
import { VARIANTS, type Variant } from '#lib/variants';

// payment-storm takes the path always-failing-step takes (steps fail, orders park FAILED, redrive
// brings them back) with a random half of the calls failing instead of every one: `npm run drill`
// runs it on every variant; CI leaves it out to stay within its 20 minutes.
const GENERIC = DRILLS.filter((drill) => drill !== 'mid-step-crash' && drill !== 'payment-storm');

/**
 * Each drill runs on every variant at once, each variant in a local cloud of its own: a drill is
 * mostly waiting (retry backoffs, redelivery, redrive rounds), so side by side they take the time
 * of the slowest, not the sum (in turn, the drills took 4 minutes of CI's 20).
 */
describe.each(GENERIC)('the %s drill at a small size', (drill) => {
  const results = new Map<Variant, DrillResult>();
  beforeAll(async () => {
    await Promise.all(
      VARIANTS.map(async (variant) => results.set(variant, await runDrill(variant, drill, { orders: 10, seed: 9 }))),
    );
  }, 300_000);

  it.each([...VARIANTS])('on %s: every order ends, none is lost or charged twice', (variant) => {
    const result = results.get(variant)!;
    expect(result.orders).toBe(10);
    expect(result.lost).toBe(0);
    expect(result.stillParked).toBe(0);
    expect(result.doubleCharges).toBe(0);
    expect(result.violations).toEqual([]);
    // The fault fired: crashes, duplicate deliveries or failed calls were counted, not assumed.
    expect(faultFired(result)).toBeGreaterThan(0);
    // A mailer that always fails parks every order that got that far; redrive brings them all back.
    if (drill === 'always-failing-step') expect(result.recovered).toBeGreaterThan(0);
    if (drill === 'duplicates') expect(result.faults.duplicateInvocations).toBeGreaterThan(0);
  });
});

describe('a crash in the middle of reserve-inventory', () => {
  // Both variants crash side by side, each in a local cloud of its own, for the same reason as above.
  const results = new Map<Variant, DrillResult>();
  beforeAll(async () => {
    await Promise.all(
      (['durable-functions', 'single-lambda'] as const).map(async (variant) =>
        results.set(variant, await runDrill(variant, 'mid-step-crash', { orders: 10, seed: 9 })),
      ),
    );
  }, 180_000);

  it('durable-functions resumes each crashed order at its last checkpoint: no completed step runs again', () => {
    const result = results.get('durable-functions')!;
    expect(result.faults.crashes).toBeGreaterThan(0);
    expect({ lost: result.lost, doubleCharges: result.doubleCharges, violations: result.violations }).toEqual({
      lost: 0,
      doubleCharges: 0,
      violations: [],
    });
    // Replayed from the checkpoint log: validate and charge are not reached again, the provider
    // is called once per charged order.
    expect(result.ranAgain).toEqual({ 'validate-order': 0, 'charge-payment': 0 });
    expect(result.chargeCalledAgain).toBe(0);
  });

  it('single-lambda runs each crashed order again from validate, and still charges it once', () => {
    const result = results.get('single-lambda')!;
    expect(result.faults.crashes).toBeGreaterThan(0);
    expect({ lost: result.lost, doubleCharges: result.doubleCharges, violations: result.violations }).toEqual({
      lost: 0,
      doubleCharges: 0,
      violations: [],
    });
    // Every crashed order went back through validate and charge (answered as duplicates)...
    expect(result.ranAgain['validate-order']).toBeGreaterThanOrEqual(result.faults.crashes);
    expect(result.ranAgain['charge-payment']).toBeGreaterThanOrEqual(result.faults.crashes);
    // ...and the order's status kept the provider from being called again.
    expect(result.chargeCalledAgain).toBe(0);
  });
});
