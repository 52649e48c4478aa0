import { DRILLS, runDrill, type Drill } from '#lib/drills';
import { VARIANTS, type Variant } from '#lib/variants';

const cases = DRILLS.flatMap((drill) => VARIANTS.map((variant) => [drill, variant] as [Drill, Variant]));

describe('failure drills at a small size', () => {
  it.each(cases)(
    '%s on %s: every order ends, none is lost or charged twice',
    async (drill, variant) => {
      const result = await runDrill(variant, drill, { orders: 16, seed: 9 });
      expect(result.orders).toBe(16);
      expect(result.lost).toBe(0);
      expect(result.stillParked).toBe(0);
      expect(result.doubleCharges).toBe(0);
      expect(result.violations).toEqual([]);
      // The fault fired: crashes, duplicate deliveries or failed calls were counted, not assumed.
      expect(result.fault.count).toBeGreaterThan(0);
      // A mailer that always fails parks every order that got that far; redrive brings them all back.
      if (drill === 'always-failing-step') expect(result.recovered).toBeGreaterThan(0);
    },
    180_000,
  );
});
