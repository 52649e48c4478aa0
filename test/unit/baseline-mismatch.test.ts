import { describe, expect, it } from '@jest/globals';
import { baselineMismatches } from '#lib/comparison';
import type { VariantRun } from '#report/types';

const run = (name: string, statuses: Record<string, string>) =>
  ({
    name,
    orders: Object.entries(statuses).map(([orderId, status]) => ({ orderId, status })),
  }) as unknown as VariantRun;

describe("npm start's check of each order against the baseline", () => {
  it('names every order that ended in another terminal state than in the baseline', () => {
    const baseline = run('baseline', { a: 'CONFIRMED', b: 'CANCELLED', c: 'REJECTED', d: 'CONFIRMED' });
    const variant = run('step-functions', { a: 'CONFIRMED', b: 'FAILED', c: 'REJECTED', d: 'CANCELLED' });
    expect(baselineMismatches(variant, baseline)).toEqual([
      {
        rule: 'baseline-mismatch',
        orderId: 'b',
        message: 'order b ended FAILED in step-functions, CANCELLED in the baseline',
      },
      {
        rule: 'baseline-mismatch',
        orderId: 'd',
        message: 'order d ended CANCELLED in step-functions, CONFIRMED in the baseline',
      },
    ]);
  });

  it('leaves an order that did not end to the not-terminal check, on either side', () => {
    const baseline = run('baseline', { a: 'CONFIRMED', b: 'PAID' });
    const variant = run('sqs-chain', { a: 'VALIDATED', b: 'CONFIRMED' });
    expect(baselineMismatches(variant, baseline)).toEqual([]);
  });
});
