import { parseArgs } from 'node:util';
import type { ComparisonOptions } from './comparison.ts';
import { VARIANTS, parseVariantList } from './variants.ts';
import { DEFAULT_WORKLOAD, localReviewTimeoutSeconds, REVIEWER_DELAY_MS } from './workload.ts';
import { defaultConcurrency } from '../local-cloud/lambda-runtime.ts';

/** The options `npm start` / `npm run compare` / `npm run bench` take, validated with clear errors. */
export function parseComparisonArgs(argv: string[], defaults: Partial<ComparisonOptions> = {}): ComparisonOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      'decline-rate': { type: 'string' },
      'out-of-stock-rate': { type: 'string' },
      'transient-rate': { type: 'string' },
      'reject-rate': { type: 'string' },
      'review-rate': { type: 'string' },
      'review-reject-rate': { type: 'string' },
      'review-timeout-rate': { type: 'string' },
      'review-timeout': { type: 'string' },
      variants: { type: 'string' },
      'latency-model': { type: 'string' },
      'sfn-type': { type: 'string' },
      deadline: { type: 'string' },
    },
  });
  const int = (name: string, value: string | undefined, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got "${value}"`);
    return n;
  };
  const rate = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new Error(`--${name} must be a number from 0 to 1, got "${value}"`);
    return n;
  };
  const oneOf = <T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value))
      throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return value as T;
  };
  const options: ComparisonOptions = {
    orders: int('orders', values.orders, defaults.orders ?? DEFAULT_WORKLOAD.orders, 1),
    // As many orders in flight as the local cloud runs invocations at once (4 per core): enough to
    // keep the machine busy, not so many that local latency measures a queue instead of the
    // orchestration. Higher concurrency is a load test of the emulator (npm run stress).
    concurrency: int('concurrency', values.concurrency, defaults.concurrency ?? defaultConcurrency(), 1),
    rate: int('rate', values.rate, defaults.rate ?? 0, 0),
    seed: int('seed', values.seed, defaults.seed ?? DEFAULT_WORKLOAD.seed, 0),
    declineRate: rate('decline-rate', values['decline-rate'], defaults.declineRate ?? DEFAULT_WORKLOAD.declineRate),
    outOfStockRate: rate(
      'out-of-stock-rate',
      values['out-of-stock-rate'],
      defaults.outOfStockRate ?? DEFAULT_WORKLOAD.outOfStockRate,
    ),
    transientRate: rate(
      'transient-rate',
      values['transient-rate'],
      defaults.transientRate ?? DEFAULT_WORKLOAD.transientRate,
    ),
    rejectRate: rate('reject-rate', values['reject-rate'], defaults.rejectRate ?? DEFAULT_WORKLOAD.rejectRate),
    reviewRate: rate('review-rate', values['review-rate'], defaults.reviewRate ?? DEFAULT_WORKLOAD.reviewRate ?? 0),
    reviewRejectRate: rate(
      'review-reject-rate',
      values['review-reject-rate'],
      defaults.reviewRejectRate ?? DEFAULT_WORKLOAD.reviewRejectRate ?? 0,
    ),
    reviewTimeoutRate: rate(
      'review-timeout-rate',
      values['review-timeout-rate'],
      defaults.reviewTimeoutRate ?? DEFAULT_WORKLOAD.reviewTimeoutRate ?? 0,
    ),
    variants: values.variants ? parseVariantList(values.variants) : (defaults.variants ?? [...VARIANTS]),
    latencyModel: oneOf(
      'latency-model',
      values['latency-model'],
      ['aws', 'none'] as const,
      defaults.latencyModel ?? 'aws',
    ),
    sfnType: oneOf('sfn-type', values['sfn-type'], ['standard', 'express'] as const, defaults.sfnType ?? 'standard'),
  };
  if (values.deadline !== undefined) options.deadlineMs = int('deadline', values.deadline, 0, 1) * 1000;
  else if (defaults.deadlineMs !== undefined) options.deadlineMs = defaults.deadlineMs;
  if (
    options.declineRate +
      options.outOfStockRate +
      options.transientRate +
      options.rejectRate +
      (options.reviewRate ?? 0) >
    1
  ) {
    throw new Error(
      '--decline-rate, --out-of-stock-rate, --transient-rate, --reject-rate and --review-rate add up to more than 1',
    );
  }
  if ((options.reviewRejectRate ?? 0) + (options.reviewTimeoutRate ?? 0) > 1)
    throw new Error(
      '--review-reject-rate and --review-timeout-rate (shares of the review orders) add up to more than 1',
    );
  // The option, else the caller's default, else derived from the load parsed above. The reviewer
  // decides within REVIEWER_DELAY_MS.max of seeing the order wait: the timeout must leave it room.
  options.reviewTimeoutSeconds =
    values['review-timeout'] !== undefined
      ? int('review-timeout', values['review-timeout'], 0, 1)
      : (defaults.reviewTimeoutSeconds ?? localReviewTimeoutSeconds(options));
  if (options.reviewTimeoutSeconds * 1000 < 4 * REVIEWER_DELAY_MS.max)
    throw new Error(
      `--review-timeout must be at least ${(4 * REVIEWER_DELAY_MS.max) / 1000} s (4x the reviewer's delay)`,
    );
  return options;
}
