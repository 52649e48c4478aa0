import type { CounterName } from '../../scripts/local-cloud/types.ts';

/**
 * Usage counters of billable calls, counted where the calls are made (an SDK middleware in
 * `shared/adapters/clients.ts`). The local cloud harvests them after each invocation; on AWS
 * they are emitted in the function's log summary.
 */
const counters = new Map<CounterName, number>();

export function recordUsage(name: CounterName, n = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + n);
}

/** Returns the counts since the last call and resets them. */
export function takeUsage(): Partial<Record<CounterName, number>> {
  const snapshot = Object.fromEntries(counters) as Partial<Record<CounterName, number>>;
  counters.clear();
  return snapshot;
}
