import type { OrderStatus } from '#domain/order';
import type { InvariantViolation } from '#domain/invariants';
import type { ComparisonOptions } from '#lib/comparison';
import type { OrderRun, RunInput, VariantRun } from '#report/types';

const START_MS = Date.UTC(2026, 0, 1, 12);

/**
 * A run whose i-th order (`o-000i`) ends with `statuses[i]`, `latencyMs` after it was accepted;
 * a non-terminal status leaves `terminalAtMs` out, as a real run does.
 *
 * @example
 * aVariantRun('sqs-chain', ['CONFIRMED', 'CANCELLED', 'VALIDATED'], { wallClockMs: 2000 })
 */
export function aVariantRun(
  name: string,
  statuses: readonly OrderStatus[],
  options: { wallClockMs?: number; latencyMs?: (index: number) => number; violations?: number } = {},
): VariantRun {
  const terminal = new Set(['CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED']);
  const orders = statuses.map((status, i): OrderRun => {
    const acceptedAtMs = START_MS + i * 10;
    return {
      orderId: `o-${String(i).padStart(4, '0')}`,
      acceptedAtMs,
      status,
      ...(terminal.has(status) ? { terminalAtMs: acceptedAtMs + (options.latencyMs?.(i) ?? 100) } : {}),
      timeline: [{ step: 'accept-order', outcome: 'succeeded', attempt: 1, at: new Date(acceptedAtMs).toISOString() }],
    };
  });
  const violation: InvariantViolation = {
    rule: 'charge-count',
    orderId: 'o-0000',
    message: 'charged twice (synthetic)',
  };
  return {
    name,
    orders,
    counts: {},
    wallClockMs: options.wallClockMs ?? 1000,
    templateResources: 1,
    orchestrationLoc: 1,
    invariantViolations: Array.from({ length: options.violations ?? 0 }, () => violation),
  };
}

/**
 * A stand-in for `measureVariants`: answers each call with runs where every order of the asked
 * workload ends CONFIRMED, each variant finishing at `perSec(variant, options)` orders/s, and
 * records the options it was called with.
 */
export function aFakeMeasure(perSec: (variant: string, options: ComparisonOptions) => number): {
  measure: (options: ComparisonOptions) => Promise<RunInput>;
  calls: ComparisonOptions[];
} {
  const calls: ComparisonOptions[] = [];
  const measure = async (options: ComparisonOptions): Promise<RunInput> => {
    calls.push(options);
    const statuses = Array.from({ length: options.orders }, () => 'CONFIRMED' as const);
    const runOf = (name: string) =>
      aVariantRun(name, statuses, { wallClockMs: (options.orders / perSec(name, options)) * 1000 });
    return {
      workload: { orders: options.orders, seed: options.seed },
      variants: options.variants.map(runOf),
      baseline: runOf('baseline'),
    };
  };
  return { measure, calls };
}
