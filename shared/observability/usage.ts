import { AsyncLocalStorage } from 'node:async_hooks';
import type { CounterName, TimingName, TimingSample, WaitCounterName } from '#cloud/types';

/**
 * Usage counters of billable calls, counted where the calls are made (an SDK middleware in
 * `shared/adapters/clients.ts`). The local cloud harvests them after each invocation; on AWS
 * they are emitted in the function's log summary.
 */
// Kept on globalThis: a bundled handler and the runtime that harvests it may each carry a copy
// of this module, and both must see one registry.
const registry = globalThis as {
  __orderPipelinesUsage?: Map<CounterName | WaitCounterName, number>;
  __orderPipelinesMetrics?: UsageMetric[];
  __orderPipelinesWaitScope?: AsyncLocalStorage<true>;
  __orderPipelinesTimings?: TimingSample[];
};
const counters = (registry.__orderPipelinesUsage ??= new Map<CounterName | WaitCounterName, number>());
const metrics = (registry.__orderPipelinesMetrics ??= []);
const waitScope = (registry.__orderPipelinesWaitScope ??= new AsyncLocalStorage<true>());
const timings = (registry.__orderPipelinesTimings ??= []);

/**
 * A CloudWatch data point a call produced, as the AWS service itself would report it (DynamoDB
 * consumed capacity per table, SQS messages sent per queue). Only the local cloud harvests these;
 * on AWS the services emit their own metrics.
 */
export interface UsageMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  unit?: string;
  atMs: number;
}

export function recordUsage(name: CounterName, n = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + n);
  // Counted once more under `wait.` when the call belongs to an order's manual review.
  if (waitScope.getStore()) counters.set(`wait.${name}`, (counters.get(`wait.${name}`) ?? 0) + n);
}

/**
 * Runs work that exists only because an order waits for review (parking it, recording a decision
 * or the timeout, resuming it): every unit it uses is also counted as `wait.<counter>`, so the
 * report can say what waiting costs per waiting order, from the run's own counts.
 *
 * @example
 * await duringWait(() => steps.awaitReview(input));
 */
export function duringWait<T>(work: () => Promise<T>): Promise<T> {
  return waitScope.run(true, work);
}

export function recordMetric(namespace: string, metricName: string, dimensions: Record<string, string>, value: number) {
  // Bounded: outside the local cloud nobody harvests them, so a long-lived process keeps only the last ones.
  if (metrics.length >= 10_000) metrics.splice(0, 5_000);
  metrics.push({ namespace, metricName, dimensions, value, atMs: Date.now() });
}

/**
 * One timing measured inside the handler (a checkpoint's round trip): the local cloud harvests
 * them after each invocation, with the order the invocation carried.
 */
export function recordTiming(name: TimingName, ms: number, label?: string): void {
  // Bounded like the metrics: outside the local cloud nobody harvests them.
  if (timings.length >= 10_000) timings.splice(0, 5_000);
  timings.push({ name, ms, ...(label ? { label } : {}) });
}

/** Returns the counts since the last call and resets them. */
export function takeUsage(): Partial<Record<CounterName, number>> {
  const snapshot = Object.fromEntries(counters) as Partial<Record<CounterName, number>>;
  counters.clear();
  return snapshot;
}

// Time inside AWS SDK calls, counted once however many overlap (a union of intervals), so a
// handler's own compute is its duration minus this.
const calls = globalThis as { __orderPipelinesAwsCalls?: { active: number; since: number } };
const inFlight = (calls.__orderPipelinesAwsCalls ??= { active: 0, since: 0 });

/** Marks an AWS SDK call as started; call the returned function when it settles. */
export function beginAwsCall(): () => void {
  if (inFlight.active === 0) inFlight.since = performance.now();
  inFlight.active += 1;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    inFlight.active -= 1;
    if (inFlight.active === 0) recordUsage('awsCallMs', performance.now() - inFlight.since);
  };
}

/** Returns the metric data points since the last call and forgets them. */
export function takeMetrics(): UsageMetric[] {
  return metrics.splice(0);
}
