import { RETRY_POLICY } from '#domain/retry-policy';
import { percentile } from '../local-cloud/cloudwatch/metric-store.ts';

/**
 * Lambda duration, priced the same way by `npm start` and by the load test, two ways:
 *
 * - **at light-load durations** (the cost the reports lead with): each function's invocations
 *   times its p50 `Duration` over a light-load calibration (30 orders, one in flight, on the same
 *   target), rounded up to the millisecond as AWS bills each invocation. A busy machine makes every
 *   invocation slower, so durations measured under load price the machine, not the pipeline;
 * - **at the run's measured durations**: every invocation's own `Duration`, rounded up to the
 *   millisecond (from CloudWatch, which keeps sums, +0.5 ms an invocation on average).
 *
 * Neither prices the Init phase of a cold start. AWS bills it since 2025-08-01 for on-demand
 * functions packaged as ZIP on managed runtimes, but it is not in the `Duration` metric (only in
 * each invocation's REPORT log line), AWS publishes no Init time for nodejs22.x, and cold starts
 * depend on the traffic's shape rather than on the order (AWS: under 1% of production invocations).
 */

/** The CloudWatch statistic of `Duration` a function's light-load duration is read with. */
export const LIGHT_LOAD_STATISTIC = 'p50';

/** Source of the Init billing change, for the notes. */
export const INIT_BILLING_SOURCE =
  'https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/';

export interface FunctionDuration {
  invocations: number;
  memoryMb: number;
  /** p50 of its `Duration` at light load, ms; undefined when it did not run in the calibration. */
  lightLoadMs: number | undefined;
}

/** The light-load duration of one function: {@link LIGHT_LOAD_STATISTIC} of its calibration durations. */
export function lightLoadMs(durationsMs: readonly number[]): number | undefined {
  return durationsMs.length > 0 ? percentile(durationsMs, 50) : undefined;
}

/**
 * GB-seconds of the functions' invocations at their light-load durations, each invocation billed
 * rounded up to the millisecond. Functions with no light-load duration are left out and named.
 *
 * @example
 * lightLoadGbSeconds([{ invocations: 100, memoryMb: 256, lightLoadMs: 7.2 }]).gbSeconds // 100 * 0.25 * 0.008 = 0.2
 */
export function lightLoadGbSeconds(functions: Iterable<[string, FunctionDuration]>): {
  gbSeconds: number;
  notCalibrated: string[];
} {
  let gbSeconds = 0;
  const notCalibrated: string[] = [];
  for (const [name, fn] of functions) {
    if (fn.invocations === 0) continue;
    if (fn.lightLoadMs === undefined) {
      notCalibrated.push(name);
      continue;
    }
    gbSeconds += (fn.invocations * (fn.memoryMb / 1024) * Math.ceil(fn.lightLoadMs)) / 1000;
  }
  return { gbSeconds, notCalibrated };
}

/**
 * GB-seconds of invocations from CloudWatch's `Duration` sum and `Invocations` count: billed
 * durations are rounded up to the millisecond per invocation, which adds 0.5 ms per invocation on
 * average (CloudWatch keeps the sum, not each invocation).
 */
export function measuredGbSecondsFromSum(durationSumMs: number, invocations: number, memoryMb: number): number {
  return ((durationSumMs + 0.5 * invocations) / 1000) * (memoryMb / 1024);
}

/**
 * What in-code retries wait inside a billed invocation (single-lambda sleeps between attempts),
 * ms, at the retry policy's expected wait: full jitter below a cap of base x rate^(n - 1) after
 * attempt n, so half the cap on average. Counted from the orders' timelines: every entry of
 * attempt k > 1 came after one such wait (attempts restart at 1 in each run of the order).
 */
export function expectedInCodeRetryWaitMs(
  timelines: ReadonlyArray<ReadonlyArray<{ attempt: number }>>,
  policy: { baseDelayMs: number; backoffRate: number } = RETRY_POLICY,
): number {
  let ms = 0;
  for (const timeline of timelines)
    for (const entry of timeline)
      if (entry.attempt > 1) ms += (policy.baseDelayMs * policy.backoffRate ** (entry.attempt - 2)) / 2;
  return ms;
}
